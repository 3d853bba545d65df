"""Every bilingual text of the monthly report, Chinese (``"zh"``, for users) and English (``"en"``).

Headings, captions, notes, table headers and figure labels live here, one entry per text with
both languages, so that a wording is changed in one place and the two languages cannot drift
apart. Templates use :meth:`str.format` fields: ``district``, ``year``, ``month`` (1–12),
``ym`` (``YYYY-MM``), ``n`` (bottom-list size). Values put into a template are escaped by the
caller where they are rendered (:mod:`airlib.escaping`). An empty text means "nothing in this
language" (the line is left out).
"""

from __future__ import annotations

from typing import Any, Final

from airlib.errors import AirlibError

__all__ = ["HEADERS_EN", "LANGUAGES", "VALUES_EN", "display_value", "TABLE_HEADERS", "TEXT", "check_language", "headers", "table_headers", "text"]

#: Languages of the report.
LANGUAGES: Final[tuple[str, ...]] = ("zh", "en")

TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "title": "{district}{year}年{month}月乡镇街道空气质量（PM2.5）排名报告",
        "ranking": "月排名",
        "ytd": "累计排名",
        "warning": "预警名单",
        "bottom_sheet": "后{n}名",
        "synthetic": "本报告使用合成演示数据，非真实监测数据。",
        "synthetic_short": "合成演示数据",
        "no_valid_data": "无有效数据",
        # notebook sections
        "h_ranking": "## 一、月排名",
        "table1": "表1 {year}年{month}月乡镇街道PM2.5浓度及同比排名（红色底纹：后{n}名）",
        "ranking_note": "注：浓度排名按升序（第1名最低）；改善排名按同比变化升序（降幅最大为第1名）；排名变化为上月名次减本月名次（↑上升）。",
        "table2": "表2 {year}年1—{month}月累计浓度及同比排名",
        "h_warning": "## 二、预警名单",
        "warning_rule": "预警（发预警函）范围：浓度排名后{n}名（并列者一并列入），以及同比上升的乡镇街道"
                        "（已达到二级标准35微克/立方米的除外，参照2017年《城市环境空气质量变化程度排名方案》）。",
        "table3": "表3 预警乡镇街道",
        "no_warnings": "本月无预警乡镇街道。",
        "table4": "表4 同比上升乡镇街道",
        "no_worsening": "本月无同比上升（且未达标）的乡镇街道。",
        "h_progress": "## 三、任务进展",
        "table5": "表5 任务进展排名与空气质量排名",
        "table6": "表6 逾期未完成任务",
        "h_targets": "## 四、PM2.5浓度与目标",
        "no_targets": "本月不在已配置方案的区PM2.5浓度目标考核期内。",
        "table7": "表7 区PM2.5浓度目标完成情况（目标期累计，airlib.tracking.targets）",
        "h_maps": "## 五、乡镇街道排名地图",
        "map_pm25": "{year}年{month}月PM2.5浓度排名",
        "map_yoy": "{year}年{month}月PM2.5同比变化及改善排名",
        "map_yoy_interactive": "同比变化 (%)",
        "h_record": "## 附录 运行记录",
        "no_ranking": "本月无乡镇街道有有效月均值，不排名。",
        "no_ledger": "本区本月无可用的任务台账（未配置台账，或台账未覆盖本月），不列任务进展排名。",
        "ledger_problems": "**注意：以下台账文件无法读取，未计入任务进展（请修正后重新生成报告）：**",
        # cover, summary, progress (Markdown; values escaped by the caller)
        "cover_meta": "**区：** {district}（{code}）　　**月份：** {year}年{month}月　　**生成时间：** {now}（北京时间）",
        "cover_validity": "**数据有效性：**",
        "cover_stations": "- 监测站点 {stations} 个；站点日均值有效 {valid} / {total} 站日（{share:.1f}%；日均值需≥20个有效小时）；",
        "cover_towns": "- 乡镇街道 {towns} 个，其中月均值有效 {towns_valid} 个（月均值需≥27个有效日，2月≥25个；{standard} 表4）；",
        "cover_invalid": "- 无有效月均值、不参与排名：{names}；",
        "cover_precision": "- 排名按发布精度（{precision}）修约后计算，并列取最小名次；同比按修约后数值计算，保留一位小数。",
        "cover_synthetic": "> **本报告使用合成演示数据（airlib demo），非真实监测数据；乡镇街道边界为示意边界，非真实行政区划。**",
        "decimals_0": "整数",
        "decimals_1": "一位小数",
        "decimals_2": "两位小数",
        "decimals_n": "{d}位小数",
        "list_sep": "、",
        "summary": "{year}年{month}月，{n_valid}个乡镇街道PM2.5月均浓度为{lo}～{hi}微克/立方米。"
                   "浓度最低的是{best}（第1名），最高的是{worst}（第{worst_rank}名）。",
        "summary_yoy": "同比改善最大的是{towns}（{pct:+.1f}%）。",
        "summary_warnings": "本月预警乡镇街道{count}个。",
        "progress_plan": "方案：{plan}；台账截至{last}，按{as_of}评估。",
        "ledger_problem_item": "- {file}：{problem}",
        "not_ranked": "无有效数据",
        "fig_bar_label": "{value:g}（第{rank}名）",
        # figures
        "fig_same_month_last_year": "上年同期",
        "fig_this_year": "本期",
        "fig_grade2_annual": "年均二级标准 35",
        "fig_trend_title": "{district}PM2.5月均浓度",
        "fig_bar_title": "{year}年{month}月乡镇街道PM2.5浓度排名（红色：后{n}名）",
        "fig_period_to_date": "本期累计均值",
        "fig_last_year_to_date": "上年同期累计",
        "fig_target_level": "目标浓度 ",
        # maps
        "map_rank": "第{rank}名",
        "map_note_warning": "红色粗线：预警乡镇街道",
        "map_note_hatched": "灰色斜线：无有效数据，不参与排名",
        "map_missing": "无边界、未绘出：{names}{more}",
        "map_missing_more": " 等{n}个",
        "map_schematic": "示意图：乡镇街道边界为示意多边形，非真实行政区划边界",
        "note_sep": "；",
        "hover_yoy": "同比 ",
        "hover_rank": "排名 ",
        "hover_none": "无",
        "range_sep": "～",
        # page footer of the PDF ({page}, {pages}: CSS page counters) and the run record
        "page_footer": "第 {page} 页 / 共 {pages} 页",
        "record_points": "本报告的完整运行记录（全部输入文件及其SHA-256、参数、软件版本、各步骤用时）"
                         "保存在与本PDF同一文件夹的 {file} 中。",
        "record_summary": "输入文件 {n} 个（共 {size}），输入指纹（各文件SHA-256的SHA-256）：{digest}。",
        "record_params": "参数：区 {district}，月份 {ym}，语言 {lang}，后N名 {n}；数据 {data}。",
        "record_versions": "软件版本：{versions}。",
    },
    "en": {
        "title": "{district} town/street PM2.5 ranking report, {year}-{month:02d}",
        "ranking": "Monthly ranking",
        "ytd": "Year-to-date ranking",
        "warning": "Warning list",
        "bottom_sheet": "Bottom {n}",
        "synthetic": "This report uses SYNTHETIC demo data, not real monitoring data.",
        "synthetic_short": "synthetic demo data",
        "no_valid_data": "no valid data",
        "h_ranking": "## 1. Monthly ranking",
        "table1": "Table 1 PM2.5 ranking, {ym} (shaded: bottom {n})",
        "ranking_note": "Rank 1 = cleanest; YoY rank 1 = largest fall; rank change = last month's rank − this month's.",
        "table2": "Table 2 Year-to-date ranking, {year}-01 to {ym}",
        "h_warning": "## 2. Warning list",
        "warning_rule": "Warning letters: the bottom {n} (ties included) and towns whose PM2.5 rose year on year "
                        "(except those already meeting the 35 µg/m³ grade II standard).",
        "table3": "Table 3 Towns receiving a warning letter",
        "no_warnings": "No warnings this month.",
        "table4": "Table 4 Towns that worsened",
        "no_worsening": "No town worsened year on year (outside those meeting the standard).",
        "h_progress": "## 3. Task progress",
        "table5": "Table 5 Task progress and air-quality ranks",
        "table6": "Table 6 Overdue tasks",
        "h_targets": "## 4. PM2.5 against targets",
        "no_targets": "This month lies in no configured district PM2.5 target period.",
        "table7": "Table 7 District PM2.5 targets, period to date",
        "h_maps": "## 5. Ranking maps",
        "map_pm25": "PM2.5 ranking {ym}",
        "map_yoy": "YoY change {ym}",
        "map_yoy_interactive": "YoY change (%)",
        "h_record": "## Appendix: run record",
        "no_ranking": "No town has a valid monthly mean.",
        "no_ledger": "No task ledger covers this month; no task-progress ranking.",
        "ledger_problems": "**Note: these ledger files could not be read and are not counted (fix them and re-run):**",
        "cover_meta": "**District:** {district} ({code})  **Month:** {ym}  **Generated:** {now} (Beijing time)",
        "cover_validity": "",
        "cover_stations": "- Stations: {stations}; valid station-days {valid} / {total} ({share:.1f}%).",
        "cover_towns": "- Towns/streets: {towns}, with a valid monthly mean: {towns_valid}.",
        "cover_invalid": "- Not ranked (no valid monthly mean): {names}.",
        "cover_precision": "",
        "cover_synthetic": "> **This report uses SYNTHETIC demo data, not real monitoring data.** Town boundaries are schematic.",
        "decimals_0": "integers",
        "decimals_1": "one decimal",
        "decimals_2": "two decimals",
        "decimals_n": "{d} decimals",
        "list_sep": ", ",
        "summary": "In {ym}, {n_valid} towns had a valid monthly PM2.5 mean ({lo}–{hi} µg/m³). "
                   "Cleanest: {best}; most polluted: {worst}.",
        "summary_yoy": "",
        "summary_warnings": " Warning letters: {count}.",
        "progress_plan": "Plan: {plan}; ledgers up to {last}.",
        "ledger_problem_item": "- {file}: {problem}",
        "not_ranked": "n/a",
        "fig_bar_label": "{value:g} (#{rank})",
        "fig_same_month_last_year": "Same month last year",
        "fig_this_year": "This year",
        "fig_grade2_annual": "Grade II annual 35",
        "fig_trend_title": "{district} monthly PM2.5",
        "fig_bar_title": "{year}-{month:02d} PM2.5 by town (red: bottom {n})",
        "fig_period_to_date": "This period, to date",
        "fig_last_year_to_date": "Last year, to date",
        "fig_target_level": "Target level ",
        "map_rank": "#{rank}",
        "map_note_warning": "thick red outline: warning towns",
        "map_note_hatched": "grey hatching: no valid data, not ranked",
        "map_missing": "no boundary, not drawn: {names}{more}",
        "map_missing_more": " ({n} in all)",
        "map_schematic": "Schematic map: town boundaries are schematic polygons, not real administrative boundaries",
        "note_sep": "; ",
        "hover_yoy": "YoY ",
        "hover_rank": "rank ",
        "hover_none": "none",
        "range_sep": " to ",
        "page_footer": "Page {page} of {pages}",
        "record_points": "The full run record of this report (every input file with its SHA-256, parameters, "
                         "package versions, time per step) is in {file}, in the same folder as this PDF.",
        "record_summary": "Input files: {n} ({size}); input fingerprint (SHA-256 of the files' SHA-256): {digest}.",
        "record_params": "Parameters: district {district}, month {ym}, language {lang}, bottom N {n}; data {data}.",
        "record_versions": "Package versions: {versions}.",
    },
}

#: English headers of the ranking columns for ``language="en"`` (Chinese:
#: :data:`airlib.tracking.ranking.HEADERS_ZH`).
HEADERS_EN: Final[dict[str, str]] = {
    "town_code": "Code", "town_name": "Town/street", "status": "Data", "pm25": "PM2.5 (µg/m³)",
    "rank": "Rank", "pm25_last_year": "Last year", "yoy_pct": "YoY (%)", "yoy_rank": "YoY rank",
    "ytd": "YTD (µg/m³)", "ytd_rank": "YTD rank", "ytd_last_year": "YTD last year",
    "ytd_yoy_pct": "YTD YoY (%)", "ytd_yoy_rank": "YTD YoY rank", "rank_last_month": "Rank last month",
    "rank_change": "Rank change", "valid_days": "Valid days", "reverse_rank": "Rank from bottom",
    "reason": "Reason",
}

#: Headers of the report's own tables (overdue tasks, task progress, targets), by language,
#: in column order.
TABLE_HEADERS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "overdue": {
        "zh": ("任务", "内容", "乡镇街道", "目标", "已完成", "逾期天数"),
        "en": ("Task", "What", "Town", "Target", "Done", "Days overdue"),
    },
    "progress": {
        "zh": ("乡镇街道", "任务进展得分", "任务排名", "任务数", "已完成", "逾期未完成", "PM2.5", "空气质量排名"),
        "en": ("Town", "Task score", "Task rank", "Tasks", "Done", "Overdue", "PM2.5", "AQ rank"),
    },
    "targets": {
        "zh": ("目标", "统计期", "实际浓度(µg/m³)", "上年同期(µg/m³)", "同比(%)", "目标浓度(µg/m³)", "状态",
               "剩余日均浓度上限(µg/m³)", "展望"),
        "en": ("Target", "Window", "Actual (µg/m³)", "Last year (µg/m³)", "YoY (%)", "Target level (µg/m³)",
               "Status", "Allowance rest of period", "Outlook"),
    },
}

#: English of the Chinese display values the library's tables carry (data status, warning
#: reasons, target kinds, status and outlook of ``airlib.tracking``); used by
#: :func:`display_value` for ``language="en"``.
VALUES_EN: Final[dict[str, str]] = {
    "有效": "valid", "无有效数据": "no valid data", "同比上升": "rose year on year",
    "达标": "met", "未达标": "not met", "数据不足": "insufficient data",
    "期末已达成": "met at period end", "期末未达成": "missed at period end",
    "已无法达成": "no longer reachable", "仍可达成": "still reachable",
    "同比下降": "YoY reduction ", "较基准年下降": "reduction vs base year ", "不高于": "at most ",
    "不低于": "at least ", "排名退出后N名": "leave the bottom N", "预警期间减排比例不低于": "alert-period reduction at least ",
}


def display_value(value: Any, language: str = "zh") -> Any:
    """A Chinese display value of the library (:data:`VALUES_EN`, the warning reason
    ``浓度排名后N名``, reasons joined by ``；``) in ``language``; other values (town names,
    numbers, user text) unchanged."""
    import re

    if check_language(language) == "zh" or not isinstance(value, str):
        return value
    parts = []
    for part in value.split("；"):
        m = re.fullmatch(r"浓度排名后(\d+)名", part)
        parts.append(f"bottom {m.group(1)} by PM2.5" if m else VALUES_EN.get(part, part))
    return "; ".join(parts)


def check_language(language: str) -> str:
    """Return ``language`` when it is one of :data:`LANGUAGES`.

    Raises
    ------
    AirlibError
        Any other value (the message names the accepted ones).
    """
    if language not in LANGUAGES:
        raise AirlibError(f"language must be 'zh' or 'en', not {language!r}")
    return language


def text(key: str, language: str = "zh", **fields: Any) -> str:
    """The text ``key`` of :data:`TEXT` in ``language``, formatted with ``fields``.

    Parameters
    ----------
    key : str
        Entry of :data:`TEXT` (the same keys exist in both languages).
    language : {"zh", "en"}
    **fields
        Template fields (``district``, ``year``, ``month``, ``ym``, ``n``).

    Returns
    -------
    str
    """
    template = TEXT[check_language(language)][key]
    return template.format(**fields) if fields else template


def headers(language: str = "zh") -> dict[str, str]:
    """Column → display header for ``language`` (``"zh"`` or ``"en"``)."""
    from airlib.tracking.ranking import HEADERS_ZH

    check_language(language)
    return dict(HEADERS_ZH) if language == "zh" else dict(HEADERS_EN)


def table_headers(table: str, language: str = "zh") -> tuple[str, ...]:
    """Headers of the report table ``table`` (``"overdue"``, ``"progress"``, ``"targets"``),
    in column order (:data:`TABLE_HEADERS`)."""
    return TABLE_HEADERS[table][check_language(language)]
