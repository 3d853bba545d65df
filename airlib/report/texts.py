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

__all__ = ["HEADERS_EN", "LANGUAGES", "RECORD_LABELS", "TABLE_HEADERS", "TEXT", "check_language", "headers", "table_headers", "text"]

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
        # cover head (发文单位, 文号, date) and maps
        "cover_issuer": "发文单位：{issuer}",
        "cover_document_number": "文号：{number}",
        "cover_date": "{year}年{month}月{day}日",
        "cover_blank": "________________",
        "map_source": "边界：{boundary}；数据：{data}",
        "map_source_schematic": "示意边界",
        "map_source_data": "{district}空气质量监测站点小时数据（{dataset}）",
        "map_source_data_synthetic": "合成演示数据",
        "map_north": "北",
        "no_boundaries": "本区未配置乡镇街道边界文件（districts.yaml 中的 boundaries），本报告不含地图；"
                         "配置边界文件后重新生成报告即可绘出排名地图。",
        "no_yoy_map": "上年同期无有效数据，无法计算同比变化，不绘制同比变化地图。",
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
        "cover_issuer": "Issued by: {issuer}",
        "cover_document_number": "Reference: {number}",
        "cover_date": "{year}-{month:02d}-{day:02d}",
        "cover_blank": "________________",
        "map_source": "Boundaries: {boundary}; data: {data}",
        "map_source_schematic": "schematic boundaries",
        "map_source_data": "{district} monitoring stations, hourly data ({dataset})",
        "map_source_data_synthetic": "synthetic demo data",
        "map_north": "N",
        "no_boundaries": "No town boundary file is configured for this district (boundaries in districts.yaml), "
                         "so this report has no maps; configure one and re-run the report to get them.",
        "no_yoy_map": "Last year's values are missing for every town, so there is no year-on-year map.",
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

#: Labels of the run record (appendix), Chinese and English together in every report (the
#: record is read by both the bureau and the maintainers).
RECORD_LABELS: Final[dict[str, str]] = {
    "heading": "运行记录 / Run record",
    "parameters": "参数 Parameters",
    "files": "输入文件 Input files (SHA-256)",
    "versions": "软件版本 Package versions",
    "file": "文件 file",
    "bytes": "字节 bytes",
    "sha256": "SHA-256",
}


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
