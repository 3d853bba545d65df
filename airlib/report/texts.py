"""Every bilingual text of the monthly report, Chinese (``"zh"``, for users) and English (``"en"``).

Headings, captions, notes, table headers and figure labels live here, one entry per text with
both languages, so that a wording is changed in one place and the two languages cannot drift
apart. Templates use :meth:`str.format` fields: ``district``, ``year``, ``month`` (1–12),
``ym`` (``YYYY-MM``), ``n`` (bottom-list size), ``no`` (table or figure number,
:mod:`airlib.report.numbering`; captions never carry a fixed number). Values put into a template are escaped by the
caller where they are rendered (:mod:`airlib.escaping`). An empty text means "nothing in this
language" (the line is left out).
"""

from __future__ import annotations

from typing import Any, Final

from airlib.errors import AirlibError

__all__ = ["BULLETIN_HEADERS", "BULLETIN_TEXT", "DUST_TEXT", "dust_text", "HEADERS_EN", "LANGUAGES", "TABLE_HEADERS", "TEXT", "VALUES_EN", "bulletin_header", "bulletin_text", "check_language", "display_value", "headers", "table_headers", "text"]

#: Languages of the report.
LANGUAGES: Final[tuple[str, ...]] = ("zh", "en")

TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "title": "{district}{year}年{month}月乡镇街道空气质量（PM2.5）排名报告",
        # sand-dust exclusion (扣沙, docs/dust.md)
        "sand_dust_applied": "本报告PM10、PM2.5统计已按环办监测〔2016〕120号扣除沙尘影响时段（{periods}个时段，共{hours}小时）。",
        "sand_dust_not_applied": "本报告PM10、PM2.5统计未扣除沙尘影响时段（已发布{periods}个时段，共{hours}小时；环办监测〔2016〕120号）。",
        "sand_dust_none": "本报告统计期内无沙尘影响时段，扣沙与否数值相同。",
        "sand_dust_same": "扣沙前后本报告各项数值相同。",
        "sand_dust_differs": "扣沙前后有{count}项数值不同，见表{no}。",
        "table_sand_dust": "表{no} 扣除沙尘影响时段前后数值对比",
        "sand_dust_sheet": "扣沙",
        "sand_dust_periods_sheet": "沙尘时段",
        "caption_sand_dust_periods": "沙尘影响时段（环办监测〔2016〕120号）",
        "sand_dust_item": "项目",
        "sand_dust_without": "未扣沙",
        "sand_dust_with": "扣沙后",
        "sand_dust_unit": "乡镇街道/区/目标",
        "sand_dust_quantity": "指标",
        "sd_pm25": "本月PM2.5（µg/m³）",
        "sd_rank": "本月排名",
        "sd_ytd": "累计PM2.5（µg/m³）",
        "sd_ytd_rank": "累计排名",
        "sd_pm10_month": "本月PM10（µg/m³）",
        "sd_pm25_month": "本月PM2.5（µg/m³）",
        "sd_pm10_ytd": "累计PM10（µg/m³）",
        "sd_pm25_ytd": "累计PM2.5（µg/m³）",
        "sd_target_current": "目标期累计值",
        "sd_target_status": "目标判断",
        "ranking": "月排名",
        "ytd": "累计排名",
        "warning": "预警名单",
        # workbook (Excel): sheet names, the 说明 column and its reasons for "—"
        "worsening_sheet": "同比上升",
        "progress_sheet": "任务进展",
        "overdue_sheet": "逾期任务",
        "targets_sheet": "目标",
        "tasks_sheet": "重点任务",
        "heavy_targets_sheet": "重污染天数目标",
        "note_header": "说明",
        "unit_header": "单位",
        "why_month": "本月有效日均值{days}天，不足{need}天，无有效月均值，不排名",
        "why_last_year": "上年同月无有效月均值，无同比",
        "why_last_month": "上月无有效月均值，无排名变化",
        "why_ytd": "累计值需1月至本月每月均有有效月均值，本年累计缺",
        "why_ytd_last_year": "上年同期有月份无有效月均值，无累计同比",
        "why_note_sep": "；",
        "xlsx_missing_note": "注：“—”为无数据，原因见“说明”列；浓度按各值所属年份的发布精度。",
        "synthetic": "本报告使用合成演示数据，非真实监测数据。",
        "synthetic_short": "合成演示数据",
        "no_valid_data": "无有效数据",
        # notebook sections
        "h_ranking": "## 一、月排名",
        "table_ranking": "表{no} {year}年{month}月乡镇街道PM2.5浓度及同比排名（红色底纹：后{n}名）",
        "ranking_note": "注：浓度排名按升序（第1名最低）；改善排名按同比变化升序（降幅最大为第1名）；排名变化为上月名次减本月名次（↑上升）。",
        "table_ytd": "表{no} {year}年1—{month}月累计浓度及同比排名",
        "h_warning": "## 二、预警名单",
        "warning_rule": "预警（发预警通知函）依据：{clause}“{quote}”。本月预警规则（阈值由本局设定，见规则文件）：{rules}。"
                        "同比上升不含已达到二级标准{limit}微克/立方米的乡镇街道（参照2017年《城市环境空气质量变化程度排名方案》）；"
                        "排名后N名并列者一并列入。",
        "warning_rule_item": "{id} {label}",
        "table_warnings": "表{no} 预警乡镇街道",
        "table_warning_reasons": "表{no} 预警原因、具体数值及依据",
        "h_summons": "### 约谈候选",
        "summons_rule": "约谈依据：{clause}“{quote}”。约谈条件（由本局设定）：{rules}。",
        "summons_rule_item": "{id} {label}",
        "table_summons": "表{no} 约谈候选乡镇街道及所满足的条件",
        "table_warning_history": "表{no} 各乡镇街道预警月份（{first}至{last}，数字为当月预警原因条数）",
        "no_warning_history": "{first}至{last}无乡镇街道被预警。",
        "warning_summary": "本月预警乡镇街道{count}个，共{n_reasons}条预警原因（{by_rule}）。",
        "warning_summary_item": "{label}：{count}个",
        "warning_summary_none": "本月无预警乡镇街道。",
        "summons_summary": "达到约谈条件的乡镇街道{count}个：{names}。",
        "summons_summary_none": "本月无乡镇街道达到约谈条件。",
        "list_sep": "、",
        "rules_sep": "；",
        "reasons_sheet": "预警原因",
        "summons_sheet": "约谈候选",
        "no_warnings": "本月无预警乡镇街道。",
        "table_worsening": "表{no} 同比上升乡镇街道",
        "no_worsening": "本月无同比上升（且未达标）的乡镇街道。",
        "h_progress": "## 三、任务进展",
        "table_progress": "表{no} 任务进展排名与空气质量排名",
        "table_overdue": "表{no} 逾期未完成任务",
        "table_tasks": "表{no} 重点任务进展（全区汇总）",
        "progress_due": "已到期的{n_due}项镇街任务中按期完成{n_on}项（按期完成率{share}%）",
        "progress_none_due": "尚无到期的镇街任务",
        "progress_overdue": "逾期未完成{count}项，合计逾期{days}天，最长{max}天",
        "progress_no_overdue": "无逾期未完成任务",
        "progress_last": "任务排名末位：{names}（{tie}第{rank}名）",
        "progress_rank_note": "注：任务排名依次比较任务进展得分（高者在前）、按期完成率（高者在前，无到期任务视为100%）、"
                              "逾期天数合计（少者在前），三项均相同者并列；按期完成以台账中累计完成量首次达到任务量的月份"
                              "不晚于完成时限所在月份为准。",
        "h_targets": "## 四、PM2.5浓度与目标",
        "no_targets": "本月不在已配置方案的区PM2.5浓度或重污染天数目标考核期内。",
        "target_plans": "本月同时有多个方案的目标在期，各目标所属方案：{items}。",
        "target_plan_item": "{id}（{start}{sep}{end}）：《{plan}》",
        "table_targets": "表{no} 区PM2.5浓度目标完成情况（目标期累计）",
        "table_heavy_targets": "表{no} 区重污染天数目标完成情况（目标期累计）",
        "heavy_sentence": "重污染天数（{target}）：目标期{start}至{end}已出现{used}天，上年同期{last}天；"
                          "上年全期{last_full}天，全期允许{allowed}天，{left}。",
        "heavy_left": "剩余可用{left}天",
        "heavy_none_left": "已无剩余可用天数",
        "heavy_over": "已超出允许天数{over}天",
        "heavy_no_data": "重污染天数（{target}）：目标期{start}至{end}已出现{used}天；上年同期缺少有效数据，无法计算允许天数。",
        "heavy_note": "注：重污染天为日AQI大于200（重度污染及以上，HJ 633）；全期允许天数为满足目标的最大整数天数"
                      "（上年全期天数×（1−降幅）向下取整）。",
        "h_maps": "## 六、乡镇街道排名地图",
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
        "station_set_ranking": "- 乡镇街道排名与全区数值：{parts}{fallback}；",
        "station_set_ranking_only": "- 乡镇街道排名：{parts}；",
        "station_set_district": "- 全区数值：{parts}{fallback}；",
        "station_set_fallback": "（本月无{names}，全区数值按参与排名的站点计算）",
        "station_set_change_to_ranking": "- 全区数值口径变化：{months}无{names}，全区数值按参与排名的站点计算，与本月口径不同，同比和累计数值跨两种口径；",
        "station_set_change_to_assessment": "- 全区数值口径变化：{months}全区数值按{names}计算，与本月口径不同，同比和累计数值跨两种口径；",
        "station_set_no_assessment_class": "考核站点",
        "caption_stations": "（站点：{parts}）",
        "caption_stations_district": "（全区数值站点：{parts}）",
        "caption_stations_both": "（乡镇街道站点：{parts}；全区数值站点：{dparts}）",
        "station_set_screening": "- {name}{n}个仅用于热点网格筛查，不参与排名和全区数值；",
        "cover_towns": "- 乡镇街道 {towns} 个，其中月均值有效 {towns_valid} 个（月均值需≥27个有效日，2月≥25个；{standard} 表4）；",
        "cover_invalid": "- 无有效月均值、不参与排名：{names}；",
        "cover_precision": "- 排名按发布精度（{precision}）修约后计算，并列取最小名次；同比按修约后数值计算，保留一位小数。",
        "cover_synthetic": "> **本报告使用合成演示数据，非真实监测数据；乡镇街道边界为示意边界，非真实行政区划。**",
        "decimals_0": "整数",
        "decimals_1": "一位小数",
        "decimals_2": "两位小数",
        "decimals_n": "{d}位小数",
        "list_sep": "、",
        # ranking summary (airlib.report.sentences: each case its own text)
        "summary_range": "{year}年{month}月，{count}个乡镇街道PM2.5月均浓度为{lo}～{hi}微克/立方米。"
                         "浓度最低的是{best}（{best_place}），最高的是{worst}（{worst_place}）。",
        "summary_one": "{year}年{month}月，仅{town}有有效PM2.5月均浓度（{value}微克/立方米）。",
        "summary_all_tied": "{year}年{month}月，{count}个乡镇街道PM2.5月均浓度均为{value}微克/立方米，并列第1名。",
        "place": "第{rank}名",
        "place_tied": "并列第{rank}名",
        "summary_missing": "{count}个乡镇街道无有效月均值，不参与排名：{names}。",
        "yoy_none": "各乡镇街道均无可比的上年同期有效数据，不作同比比较。",
        "yoy_one": "与上年同期相比，{town}{word}（{pct}%）。",
        "yoy_scope_all": "{count}个乡镇街道",
        "yoy_scope_some": "有同比数据的{count}个乡镇街道",
        "yoy_all_same": "与上年同期相比，{scope}均{word}",
        "yoy_mixed": "与上年同期相比，{scope}中{counts}",
        "yoy_count": "{count}个{word}",
        "yoy_most_improved": "改善最多的是{towns}（{tied}{pct}%）",
        "yoy_most_worsened": "上升最多的是{towns}（{tied}{pct}%）",
        "yoy_least_worsened": "上升最少的是{towns}（{tied}{pct}%）",
        "yoy_word_improved": "改善",
        "yoy_word_worsened": "上升",
        "yoy_word_unchanged": "持平",
        "tied": "并列，",
        "tied_word": "并列",
        "clause_sep": "；",
        "sentence_end": "。",
        "summary_warnings": "本月预警乡镇街道{count}个。",
        "progress_plan": "方案：{plan}；台账截至{last}，按{as_of}评估。",
        "progress_stale": "**台账截至{last}，未报送{missing}**：以下为{last}的进展，不是本月现状。",
        "progress_closed": "该方案已于{end}结束：任务按方案结束时的最终状态统计，逾期天数计至方案结束。",
        "no_plan_in_force": "本月没有在期的方案（各方案的期限均未覆盖本月），不评估任务进展。",
        "ledger_problem_item": "- {file}：{problem}",
        "not_ranked": "无有效数据",
        "fig_bar_label": "{value}（第{rank}名）",
        # figure captions, below each figure (numbered by airlib.report.numbering)
        "figure_ranking_bar": "图{no} {year}年{month}月乡镇街道PM2.5浓度及排名（红色：后{n}名）",
        "figure_targets": "图{no} 区PM2.5浓度目标期累计均值与目标浓度",
        "figure_trend": "图{no} {district}近12个月PM2.5月均浓度与上年同期",
        "figure_map_pm25": "图{no} {year}年{month}月乡镇街道PM2.5浓度排名地图",
        "figure_map_yoy": "图{no} {year}年{month}月乡镇街道PM2.5同比变化及改善排名地图",
        # figures
        "fig_same_month_last_year": "上年同期",
        "fig_this_year": "本期",
        "fig_grade2_annual": "年均二级标准 35",
        "fig_trend_title": "{district}PM2.5月均浓度",
        "fig_bar_title": "{year}年{month}月乡镇街道PM2.5浓度排名（红色：后{n}名）",
        "fig_period_to_date": "本期累计均值",
        "fig_last_year_to_date": "上年同期累计",
        "fig_target_level": "目标浓度 ",
        # city context (全市各区排名; values escaped by the caller)
        "h_city": "### 全市各区排名情况",
        "city_sheet": "全市各区（当月）",
        "city_ytd_sheet": "全市各区（累计）",
        "table_city": "表{no} {year}年{month}月全市各区空气质量排名（蓝色底纹：{district}）",
        "table_city_ytd": "表{no} {year}年1—{month}月全市各区累计空气质量排名（蓝色底纹：{district}）",
        "city_sentence_pm25": "{year}年{month}月，{district}PM2.5浓度为{value}微克/立方米，在{among}中排第{rank}名{tie}",
        "city_among": "全市{n}个区",
        "city_among_zone": "全市{n}个区和经济技术开发区",
        "city_sentence_yoy": "，同比{change}，改善幅度排第{rank}名{tie}",
        "city_sentence_ytd": "；1—{month}月累计浓度为{value}微克/立方米，排第{rank}名{tie}",
        "city_sentence_ytd_yoy": "，累计同比{change}，改善幅度排第{rank}名{tie}",
        "city_sentence_composite": "；综合指数为{value}，排第{rank}名{tie}",
        "city_sentence_end": "。",
        "city_no_value": "{year}年{month}月全市各区数据表未给出{district}的PM2.5浓度。",
        "city_up": "上升{pct}%",
        "city_down": "下降{pct}%",
        "city_flat": "持平",
        "city_tie": "（与{names}并列）",
        "city_tie_many": "（与其他{count}个区并列）",
        "city_note": "注：数据来自全市各区数据表（{file}）；浓度、综合指数排名按升序（第1名最低），"
                     "改善幅度排名按同比变化升序（降幅最大为第1名），并列取最小名次；“—”为该表未给出的数值；全市行不参与排名。",
        "city_synthetic": "**本节全市各区数据为合成演示数据（SYNTHETIC），非市生态环境局发布的数据。**",
        "city_missing": "未找到{year}年{month}月全市各区数据表（{file}），本报告不含全市各区排名。",
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
        "record_letters": "预警通知函 {n} 个文件（共 {size}），见文件夹 {folder}，文件名、大小和SHA-256列于运行记录。",
        # 预警通知函 (airlib.report.letters; the letters themselves are always in Chinese)
        "h_letters": "## 七、预警通知函",
        "letters_issued": "本月向{n}个预警乡镇街道印发预警通知函（{towns}），Word（DOCX）和PDF各{n}份，保存在与本PDF同一"
                          "文件夹的“{folder}”子文件夹中；书面回复期限为{deadline}。",
        "no_letters": "本月无预警乡镇街道，不印发预警通知函。",
        # 重污染天气应对 (docs/alerts.md; only with the district's alert_log)
        "h_alerts": "## 五、重污染天气应对",
        "alerts_month": "{ym}，本区执行重污染天气预警{n}次（{levels}），预警天数{days}天。",
        "alerts_month_none": "{ym}，本区未执行重污染天气预警。",
        "alerts_season": "{season}截至本月底累计预警{days}天（{levels}）。",
        "alerts_verification": "与观测对照（{start}至{end}）：观测支持的重污染过程{episodes}次，预警命中{hits}次、漏报{misses}次，"
                               "空报{false_alarms}次。",
        "alerts_note": "注：预警天数按自然日计，一日内任一时段处于预警即按当日最高预警级别计一天；观测支持的重污染过程按区滚动24小时AQI及所执行方案的预警规则判定（方案未规定时按mee-2017分级）。"
                       "以上口径为本系统的设定（可调整），预警文件未作规定。",
        "alerts_level_days": "{level}{days}天",
        "forecast_month": "{ym}空气质量预报检验：提前{lead}天的预报有观测对照{n}次，级别准确率{hit}%，AQI平均偏差（实测−预报）{bias}。",
        "forecast_none": "{ym}无可与观测对照的空气质量预报。",
        "table_forecast_verification": "表{no} {year}年{month}月空气质量预报检验（按预报时效）",
        "forecast_sheet": "预报检验",
        "alerts_level_times": "{level}{n}次",
        "alerts_sep": "、",
    },
    "en": {
        "title": "{district} town/street PM2.5 ranking report, {year}-{month:02d}",
        "sand_dust_applied": "PM10 and PM2.5 statistics in this report exclude the sand-dust periods (HBJC [2016] No. 120; {periods} periods, {hours} hours).",
        "sand_dust_not_applied": "PM10 and PM2.5 statistics in this report do not exclude the sand-dust periods ({periods} periods, {hours} hours published; HBJC [2016] No. 120).",
        "sand_dust_none": "No sand-dust period falls in the data of this report; the figures are the same with and without the exclusion.",
        "sand_dust_same": "All figures of this report are the same with and without the exclusion.",
        "sand_dust_differs": "{count} figures differ with and without the exclusion; see Table {no}.",
        "table_sand_dust": "Table {no} Figures without and with the sand-dust exclusion",
        "sand_dust_sheet": "Sand dust",
        "sand_dust_periods_sheet": "Sand-dust periods",
        "caption_sand_dust_periods": "Sand-dust periods (HBJC [2016] No. 120)",
        "sand_dust_item": "Item",
        "sand_dust_without": "Without exclusion",
        "sand_dust_with": "With exclusion",
        "sand_dust_unit": "Town/district/target",
        "sand_dust_quantity": "Quantity",
        "sd_pm25": "PM2.5 of the month (µg/m³)",
        "sd_rank": "Rank of the month",
        "sd_ytd": "PM2.5 year to date (µg/m³)",
        "sd_ytd_rank": "Rank year to date",
        "sd_pm10_month": "PM10 of the month (µg/m³)",
        "sd_pm25_month": "PM2.5 of the month (µg/m³)",
        "sd_pm10_ytd": "PM10 year to date (µg/m³)",
        "sd_pm25_ytd": "PM2.5 year to date (µg/m³)",
        "sd_target_current": "Value of the target period to date",
        "sd_target_status": "Target judgement",
        "ranking": "Monthly ranking",
        "ytd": "Year-to-date ranking",
        "warning": "Warning list",
        "worsening_sheet": "Worsened",
        "progress_sheet": "Task progress",
        "overdue_sheet": "Overdue tasks",
        "targets_sheet": "Targets",
        "tasks_sheet": "Key tasks",
        "heavy_targets_sheet": "Heavy-day targets",
        "note_header": "Note",
        "unit_header": "Unit",
        "why_month": "{days} valid daily means this month, fewer than {need}: no valid monthly mean, not ranked",
        "why_last_year": "no valid mean in the same month last year: no YoY change",
        "why_last_month": "no valid mean last month: no rank change",
        "why_ytd": "year to date needs a valid mean in every month since January: missing",
        "why_ytd_last_year": "a month of last year's period has no valid mean: no year-to-date YoY",
        "why_note_sep": "; ",
        "xlsx_missing_note": "Note: \"—\" = no data, the reason is in the Note column; concentrations at the published precision of their year.",
        "synthetic": "This report uses SYNTHETIC demo data, not real monitoring data.",
        "synthetic_short": "synthetic demo data",
        "no_valid_data": "no valid data",
        "h_ranking": "## 1. Monthly ranking",
        "table_ranking": "Table {no} PM2.5 ranking, {ym} (shaded: bottom {n})",
        "ranking_note": "Rank 1 = cleanest; YoY rank 1 = largest fall; rank change = last month's rank − this month's.",
        "table_ytd": "Table {no} Year-to-date ranking, {year}-01 to {ym}",
        "h_warning": "## 2. Warning list",
        "warning_rule": "Warning letters, basis: {clause} “{quote}”. Rules this month (thresholds set by the bureau, "
                        "see the rule file): {rules}. Year-on-year rises leave out towns already meeting the "
                        "{limit} µg/m³ grade II standard; ties at the bottom-N boundary are included.",
        "warning_rule_item": "{id} {label}",
        "table_warnings": "Table {no} Towns receiving a warning letter",
        "table_warning_reasons": "Table {no} Warning reasons, figures and basis",
        "h_summons": "### Summons candidates",
        "summons_rule": "Summons basis: {clause} “{quote}”. Conditions (set by the bureau): {rules}.",
        "summons_rule_item": "{id} {label}",
        "table_summons": "Table {no} Summons candidates and the conditions met",
        "table_warning_history": "Table {no} Months each town was warned ({first} to {last}; number of reasons)",
        "no_warning_history": "No town was warned from {first} to {last}.",
        "warning_summary": "{count} towns warned this month, {n_reasons} reasons in all ({by_rule}).",
        "warning_summary_item": "{label}: {count}",
        "warning_summary_none": "No town is warned this month.",
        "summons_summary": "{count} towns meet a summons condition: {names}.",
        "summons_summary_none": "No town meets a summons condition this month.",
        "list_sep": ", ",
        "rules_sep": "; ",
        "reasons_sheet": "Warning reasons",
        "summons_sheet": "Summons candidates",
        "no_warnings": "No warnings this month.",
        "table_worsening": "Table {no} Towns that worsened",
        "no_worsening": "No town worsened year on year (outside those meeting the standard).",
        "h_progress": "## 3. Task progress",
        "table_progress": "Table {no} Task progress and air-quality ranks",
        "table_overdue": "Table {no} Overdue tasks",
        "table_tasks": "Table {no} Key tasks, district totals",
        "progress_due": "of {n_due} town tasks due, {n_on} were completed on time ({share} %)",
        "progress_none_due": "no town task is due yet",
        "progress_overdue": "{count} overdue, {days} days late in total, at most {max}",
        "progress_no_overdue": "no task overdue",
        "progress_last": "last in the task rank: {names} ({tie}#{rank})",
        "progress_rank_note": "Note: the task rank compares the task score (higher first), the on-time completion "
                              "share (higher first; a town with nothing due counts as 100 %) and the days late in total "
                              "(fewer first); towns tie only when all three tie. A task was completed on time when its "
                              "cumulative figure first reached the target in a ledger month no later than its deadline's "
                              "month.",
        "h_targets": "## 4. PM2.5 against targets",
        "no_targets": "This month lies in no configured district PM2.5 or heavy-pollution-day target period.",
        "target_plans": "Targets of several plans apply this month; the plan of each target: {items}.",
        "target_plan_item": "{id} ({start}{sep}{end}): {plan}",
        "table_targets": "Table {no} District PM2.5 targets, period to date",
        "table_heavy_targets": "Table {no} District heavy-pollution-day targets, period to date",
        "heavy_sentence": "Heavy-pollution days ({target}): {used} days from {start} to {end}, {last} in the same "
                          "period last year; last year's whole period had {last_full}, {allowed} are allowed for "
                          "the whole period, {left}.",
        "heavy_left": "{left} left",
        "heavy_none_left": "none left",
        "heavy_over": "{over} over the allowance",
        "heavy_no_data": "Heavy-pollution days ({target}): {used} days from {start} to {end}; last year's period "
                         "lacks valid data, so no allowance can be computed.",
        "heavy_note": "Note: a heavy-pollution day has a daily AQI above 200 (HJ 633); the days allowed are the "
                      "largest whole number meeting the target (last year's whole period × (1 − reduction), "
                      "rounded down).",
        "h_maps": "## 6. Ranking maps",
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
        "station_set_ranking": "- Town ranking and district values, stations by class: {parts}{fallback}.",
        "station_set_ranking_only": "- Town ranking, stations by class: {parts}.",
        "station_set_district": "- District values, stations by class: {parts}{fallback}.",
        "station_set_fallback": " (no {names} this month: the district values are the mean of the ranked stations)",
        "station_set_change_to_ranking": "- Basis change: in {months} there was no {names}; the district values of those months are the mean of the ranked stations, unlike this month, so year-on-year and year-to-date figures span two bases.",
        "station_set_change_to_assessment": "- Basis change: in {months} the district values were the mean of the {names}, unlike this month, so year-on-year and year-to-date figures span two bases.",
        "station_set_no_assessment_class": "assessment stations",
        "caption_stations": " (stations: {parts})",
        "caption_stations_district": " (district-value stations: {parts})",
        "caption_stations_both": " (town stations: {parts}; district-value stations: {dparts})",
        "station_set_screening": "- {name} stations: {n}, used only for hot-spot screening (not ranked, not in district values).",
        "cover_towns": "- Towns/streets: {towns}, with a valid monthly mean: {towns_valid}.",
        "cover_invalid": "- Not ranked (no valid monthly mean): {names}.",
        "cover_precision": "",
        "cover_synthetic": "> **This report uses SYNTHETIC demo data, not real monitoring data.** Town boundaries are schematic.",
        "decimals_0": "integers",
        "decimals_1": "one decimal",
        "decimals_2": "two decimals",
        "decimals_n": "{d} decimals",
        "list_sep": ", ",
        "summary_range": "In {ym}, {count} towns had a valid monthly PM2.5 mean ({lo}–{hi} µg/m³). "
                         "Cleanest: {best} ({best_place}); most polluted: {worst} ({worst_place}).",
        "summary_one": "In {ym}, only {town} had a valid monthly PM2.5 mean ({value} µg/m³).",
        "summary_all_tied": "In {ym}, all {count} towns had the same monthly PM2.5 mean ({value} µg/m³), "
                            "tied for rank 1.",
        "place": "rank {rank}",
        "place_tied": "tied for rank {rank}",
        "summary_missing": " Not ranked, without a valid monthly mean ({count}): {names}.",
        "yoy_none": " No town can be compared with last year (no valid value a year ago).",
        "yoy_one": " Compared with last year, {town} {word} ({pct}%).",
        "yoy_scope_all": "all {count} towns",
        "yoy_scope_some": "the {count} towns with last year's value",
        "yoy_all_same": " Compared with last year, {scope} {word}",
        "yoy_mixed": " Compared with last year, of {scope}: {counts}",
        "yoy_count": "{count} {word}",
        "yoy_most_improved": "largest fall: {towns} ({tied}{pct}%)",
        "yoy_most_worsened": "largest rise: {towns} ({tied}{pct}%)",
        "yoy_least_worsened": "smallest rise: {towns} ({tied}{pct}%)",
        "yoy_word_improved": "improved",
        "yoy_word_worsened": "rose",
        "yoy_word_unchanged": "unchanged",
        "tied": "tied, ",
        "tied_word": "tied",
        "clause_sep": "; ",
        "sentence_end": ".",
        "summary_warnings": " Warning letters: {count}.",
        "progress_plan": "Plan: {plan}; ledgers up to {last}.",
        "progress_stale": "**Ledgers up to {last}; {missing} not reported**: the progress shown is that of {last}, not of this month.",
        "progress_closed": "This plan ended in {end}: its tasks are shown in their final state, days overdue counted to the plan's end.",
        "no_plan_in_force": "No plan is in force this month (no plan's period covers it); task progress is not evaluated.",
        "ledger_problem_item": "- {file}: {problem}",
        "not_ranked": "n/a",
        "fig_bar_label": "{value} (#{rank})",
        "figure_ranking_bar": "Figure {no} PM2.5 by town, {ym} (red: bottom {n})",
        "figure_targets": "Figure {no} District PM2.5, target period to date, against the target level",
        "figure_trend": "Figure {no} {district} monthly PM2.5, last 12 months and a year earlier",
        "figure_map_pm25": "Figure {no} Map of the PM2.5 ranking, {ym}",
        "figure_map_yoy": "Figure {no} Map of the PM2.5 year-on-year change and improvement rank, {ym}",
        "fig_same_month_last_year": "Same month last year",
        "fig_this_year": "This year",
        "fig_grade2_annual": "Grade II annual 35",
        "fig_trend_title": "{district} monthly PM2.5",
        "fig_bar_title": "{year}-{month:02d} PM2.5 by town (red: bottom {n})",
        "fig_period_to_date": "This period, to date",
        "fig_last_year_to_date": "Last year, to date",
        "fig_target_level": "Target level ",
        # city context
        "h_city": "### Beijing districts",
        "city_sheet": "Districts (month)",
        "city_ytd_sheet": "Districts (year to date)",
        "table_city": "Table {no} Air quality of Beijing's districts, {ym} (shaded blue: {district})",
        "table_city_ytd": "Table {no} Air quality of Beijing's districts, {year}-01 to {ym} (shaded blue: {district})",
        "city_sentence_pm25": "In {ym}, {district}'s PM2.5 was {value} µg/m³, rank {rank} among {among}{tie}",
        "city_among": "{n} districts",
        "city_among_zone": "{n} districts and the Economic-Technological Development Area",
        "city_sentence_yoy": "; {change} on last year, improvement rank {rank}{tie}",
        "city_sentence_ytd": "; year to date {value} µg/m³, rank {rank}{tie}",
        "city_sentence_ytd_yoy": ", {change} on last year, improvement rank {rank}{tie}",
        "city_sentence_composite": "; composite index {value}, rank {rank}{tie}",
        "city_sentence_end": ".",
        "city_no_value": "The city table of {ym} gives no PM2.5 value for {district}.",
        "city_up": "up {pct}%",
        "city_down": "down {pct}%",
        "city_flat": "unchanged",
        "city_tie": " (tied with {names})",
        "city_tie_many": " (tied with {count} other districts)",
        "city_note": "Source: the table of all districts ({file}). Concentration and index ranks "
                     "ascending (1 = lowest); improvement rank by year-on-year change ascending (largest fall = 1); "
                     "ties share the lowest rank; \"—\" = not given in the table; the city row is not ranked.",
        "city_synthetic": "**The district values of this section are SYNTHETIC demo data, not published by the municipal bureau.**",
        "city_missing": "No city table for {ym} ({file}); this report has no district comparison.",
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
        "record_letters": "Warning letters: {n} files ({size}) in the letters' sub-folder beside this PDF; names, sizes "
                          "and SHA-256 are in the run record.",
        "h_letters": "## 7. Warning letters",
        "letters_issued": "Warning letters (in Chinese) go to {n} towns ({towns}); they are written with "
                          "the Chinese report of this month, in the letters' sub-folder "
                          "of this PDF's folder, and listed in its run record.",
        "no_letters": "No town is warned this month; no warning letter is issued.",
        "h_alerts": "## 5. Heavy-pollution alerts",
        "alerts_month": "In {ym} the district was under {n} heavy-pollution alert(s) ({levels}) on {days} day(s).",
        "alerts_month_none": "In {ym} the district was under no heavy-pollution alert.",
        "forecast_month": "Forecast verification, {ym}: {n} forecast(s) {lead} day(s) ahead had an observed daily AQI; "
                          "category hit rate {hit}%, mean AQI bias (observed − forecast) {bias}.",
        "forecast_none": "In {ym} no air-quality forecast could be verified against observations.",
        "table_forecast_verification": "Table {no} Air-quality forecast verification, {ym}, by lead time",
        "forecast_sheet": "Forecast verification",
        "alerts_season": "{season} to the end of this month: {days} alert day(s) ({levels}).",
        "alerts_verification": "Against the observations ({start} to {end}): {episodes} heavy-pollution episode(s) observed; "
                               "{hits} hit(s), {misses} miss(es), {false_alarms} false alarm(s).",
        "alerts_note": "Note: alert days are calendar days; a day under an alert for any part of it counts once, for the "
                       "highest level that day; observed episodes from the district's rolling 24-hour AQI under the alert rules of the plan in force (mee-2017 when no plan has any). These counting rules are "
                       "settings of this system (adjustable); the alert notices do not define them.",
        "alerts_level_days": "{level} {days} d",
        "alerts_level_times": "{level} ×{n}",
        "alerts_sep": ", ",
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
    "reason": "Reason", "reasons": "Reasons", "n_reasons": "Number of reasons",
}

#: Headers of the report's own tables (overdue tasks, task progress, targets), by language,
#: in column order.
TABLE_HEADERS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "overdue": {
        "zh": ("任务", "内容", "乡镇街道", "目标", "已完成", "剩余", "完成时限", "逾期天数", "牵头/主责单位"),
        "en": ("Task", "What", "Town", "Target", "Done", "Remaining", "Deadline", "Days overdue", "Lead/responsible"),
    },
    "progress": {
        "zh": ("乡镇街道", "任务进展得分", "按期完成率(%)", "逾期天数合计", "任务排名", "任务数", "逾期未完成",
               "PM2.5", "空气质量排名", "剩余工作量"),
        "en": ("Town", "Task score", "On time (%)", "Days late", "Task rank", "Tasks", "Overdue", "PM2.5",
               "AQ rank", "Remaining"),
    },
    "tasks": {
        "zh": ("任务", "内容", "任务量", "已完成", "剩余", "完成率(%)", "完成时限", "牵头/主责单位", "逾期镇街数"),
        "en": ("Task", "What", "Target", "Done", "Remaining", "Done (%)", "Deadline", "Lead/responsible",
               "Towns overdue"),
    },
    "forecast_verification": {
        "zh": ("预报时效(天)", "预报次数", "有观测", "级别准确率(%)", "平均偏差(AQI)", "平均绝对误差(AQI)",
               "重度及以上观测天数", "重度及以上预报次数", "重度及以上命中率POD(%)", "重度及以上空报率FAR(%)"),
        "en": ("Lead (days)", "Forecasts", "Verified", "Category hit rate (%)", "Bias (AQI)", "MAE (AQI)",
               "Heavy+ days observed", "Heavy+ forecasts", "Heavy+ POD (%)", "Heavy+ FAR (%)"),
    },
    "heavy_targets": {
        "zh": ("目标", "统计期", "已出现天数", "上年同期天数", "上年全期天数", "全期允许天数", "剩余可用天数", "状态", "展望"),
        "en": ("Target", "Window", "Days so far", "Same period last year", "Last year's whole period",
               "Allowed for the period", "Days left", "Status", "Outlook"),
    },
    "city": {
        "zh": ("区", "PM2.5(µg/m³)", "排名", "同比(%)", "改善排名", "累计PM2.5(µg/m³)", "累计排名",
               "累计同比(%)", "累计改善排名", "综合指数", "综合指数排名", "累计综合指数", "累计综合指数排名"),
        "en": ("District", "PM2.5 (µg/m³)", "Rank", "YoY (%)", "YoY rank", "YTD PM2.5 (µg/m³)", "YTD rank",
               "YTD YoY (%)", "YTD YoY rank", "Composite index", "Index rank", "YTD index", "YTD index rank"),
    },
    "warning_reasons": {
        "zh": ("乡镇街道代码", "乡镇街道", "规则", "预警原因", "具体情况", "数值", "阈值", "单位", "依据", "原文"),
        "en": ("Code", "Town", "Rule", "Reason", "Details", "Value", "Threshold", "Unit", "Basis", "Plan text"),
    },
    "summons": {
        "zh": ("乡镇街道代码", "乡镇街道", "约谈规则", "约谈条件", "满足情况", "涉及月份", "依据", "原文"),
        "en": ("Code", "Town", "Rules", "Conditions", "Conditions met", "Months", "Basis", "Plan text"),
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
    "参考（非考核口径）": "reference only (not the assessed window)",
    "同比下降": "YoY reduction ", "较基准年下降": "reduction vs base year ", "不高于": "at most ",
    "不低于": "at least ", "排名退出后N名": "leave the bottom N", "预警期间减排比例不低于": "alert-period reduction at least ",
    "PM2.5同比上升": "PM2.5 rose year on year", "重点任务进展滞后": "key task behind schedule",
    "重点任务逾期未完成": "key task overdue", "空气质量目标未达标": "air-quality target missed",
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


#: Texts of the bulletin tables (六项污染物、综合指数、优良天数与重污染天数; issue #12 item 1),
#: both languages with the same keys. Reason texts are keyed ``reason_<code>`` by the codes of
#: :data:`airlib.tracking.bulletin.REASONS` and explain every "—" of these tables.
BULLETIN_TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "h_bulletin": "### 六项污染物、综合指数与优良天数",
        "table_no": "表{no} ",
        "sheet_monthly": "六项污染物（当月）",
        "sheet_ytd": "六项污染物（年初至今）",
        "sheet_days": "优良与重污染天数",
        "sheet_ranks": "改善幅度排名",
        "caption_monthly": "各乡镇街道六项污染物及综合指数（当月，{year}年{month}月）",
        "caption_ytd": "各乡镇街道六项污染物及综合指数（年初至今，{year}年1—{month}月）",
        "caption_days": "优良天数与重污染天数（{year}年{month}月及1—{month}月）",
        "caption_ranks": "各乡镇街道各项污染物改善幅度排名（{year}年{month}月及1—{month}月）",
        "note_ranks": "注：改善幅度排名按各污染物同比变化率升序（降幅最大为第1名），并列取最小名次；全区行不参与排名；"
                      "无同比（本期或上年同期无有效值）者记为“—”，原因见上表注。",
        "note_layout": "注：首行为全区（不参与排名），乡镇街道按当月综合指数排名排列；单位微克/立方米（CO毫克/立方米），"
                       "CO为日均值第95百分位数，O3为日最大8小时平均第90百分位数，按发布精度修约。同比为与上年同期相比的"
                       "变化率（正值为上升）；排名按升序，改善排名按同比升序（降幅最大为第1名），并列取最小名次；"
                       "各污染物的改善排名见下文改善幅度排名表。",
        "note_ytd": "注：列、排名同上表；年初至今数值须1月至本月每个月均有效（每月≥27个有效日，2月≥25个），否则记为“—”。",
        "note_days": "注：优良天数为日AQI≤100、重污染天数为日AQI>200的天数，在有AQI的有效天中统计，比例=优良天数/有效天数；"
                     "同比为与上年同期相差的天数；改善排名：优良天数增加最多、重污染天数减少最多为第1名，并列取最小名次；"
                     "有效天数不足的月份（<27天，2月<25天）不发布。",
        "missing_note": "“—”说明：{items}。",
        "missing_item": "{reason}：{names}",
        "reason_no_data": "无监测数据",
        "reason_invalid_month": "当月有效天数不足（每月需≥27天，2月≥25天）",
        "reason_ytd_incomplete": "1月至本月有月份无效或缺失，年初至今值不发布",
        "reason_no_last_year": "上年同期无有效数据，无同比",
        "list_sep": "；",
    },
    "en": {
        "h_bulletin": "### Six pollutants, composite index and good days",
        "table_no": "Table {no} ",
        "sheet_monthly": "Six pollutants (month)",
        "sheet_ytd": "Six pollutants (year to date)",
        "sheet_days": "Good and heavy days",
        "sheet_ranks": "Improvement ranks",
        "caption_monthly": "Six pollutants and composite index by town, {year}-{month:02d}",
        "caption_ytd": "Six pollutants and composite index by town, year to date {year}-01 to {year}-{month:02d}",
        "caption_days": "Good days and heavy-pollution days, {year}-{month:02d} and year to date",
        "caption_ranks": "Improvement rank of each pollutant by town, {year}-{month:02d} and year to date",
        "note_ranks": "Note: improvement rank by each pollutant's year-on-year change, ascending (largest fall = 1); "
                      "ties share the lowest rank; the district row is not ranked; \"—\": no year-on-year change "
                      "(no valid value this year or last year; reasons under the tables above).",
        "note_layout": "Note: first row is the district; towns follow in order of this month's composite-index rank. "
                       "Concentrations in µg/m³ (CO mg/m³); CO is the 95th percentile of daily means, O3 the 90th "
                       "percentile of daily maximum 8-h means; values at published precision (GB/T 8170). YoY is the "
                       "change on the same period last year (%, positive = higher); composite rank ascending (1 = "
                       "best); improvement rank by ascending YoY (largest fall = 1); ties share the lowest rank; the "
                       "district is not ranked. Each pollutant's improvement rank is in the improvement-rank table below.",
        "note_ytd": "Note: columns and ranks as in the table above; a year-to-date value needs every month from "
                    "January to this month valid (≥ 27 valid days, ≥ 25 in February); otherwise it shows “—”.",
        "note_days": "Note: good days have a daily AQI ≤ 100, heavy-pollution days a daily AQI > 200, counted among "
                     "the days with an AQI; share = good days / valid days. Changes are differences in days "
                     "(share: percentage points) from the same period last year; good-day improvement rank by "
                     "descending change, heavy-day rank by ascending change, ties share the lowest rank. Days are "
                     "not published for a month with too few valid days (< 27, < 25 in February).",
        "missing_note": "“—”: {items}.",
        "missing_item": "{reason}: {names}",
        "reason_no_data": "no monitoring data",
        "reason_invalid_month": "too few valid days in the month (27 needed, 25 in February)",
        "reason_ytd_incomplete": "a month from January on is missing or invalid, no year-to-date value",
        "reason_no_last_year": "no valid value for the same period last year, no YoY change",
        "list_sep": "; ",
    },
}

#: Column headers of the bulletin tables (PDF and workbook), by language.
BULLETIN_HEADERS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "code": "代码", "name": "区/乡镇街道", "level": "层级",
        "pm25": "PM2.5", "pm10": "PM10", "no2": "NO2", "so2": "SO2", "co": "CO-95per", "o3": "O3-8h-90per",
        "composite": "综合指数", "composite_rank": "综合指数排名",
        "valid_days": "有效天数", "good_days": "优良天数", "good_share": "优良比例(%)",
        "heavy_days": "重污染天数",
        "last_year": "上年同期", "change_pct": "同比(%)", "change_rank": "改善排名",
        "change": "同比变化", "ytd": "1月至今",
        # short headers under a group header (PDF)
        "short_value": "浓度", "short_change_pct": "同比%", "short_change_rank": "改善排名", "short_rank": "排名",
        "short_index": "指数", "short_days_change": "同比(天)", "short_share": "比例%", "month": "当月",
    },
    "en": {
        "code": "Code", "name": "District/town", "level": "Level",
        "pm25": "PM2.5", "pm10": "PM10", "no2": "NO2", "so2": "SO2", "co": "CO-95per", "o3": "O3-8h-90per",
        "composite": "Composite index", "composite_rank": "Composite rank",
        "valid_days": "Valid days", "good_days": "Good days", "good_share": "Good share (%)",
        "heavy_days": "Heavy days",
        "last_year": "last year", "change_pct": "YoY (%)", "change_rank": "improvement rank",
        "change": "change", "ytd": "YTD",
        "short_value": "value", "short_change_pct": "YoY %", "short_change_rank": "impr. rank", "short_rank": "rank",
        "short_index": "index", "short_days_change": "YoY (days)", "short_share": "share %", "month": "Month",
    },
}


def bulletin_text(key: str, language: str = "zh", **fields: Any) -> str:
    """The text ``key`` of :data:`BULLETIN_TEXT` in ``language``, formatted with ``fields``."""
    template = BULLETIN_TEXT[check_language(language)][key]
    return template.format(**fields) if fields else template


def bulletin_header(column: str, language: str = "zh") -> str:
    """Display header of a bulletin-table column (``pm25``, ``pm25_change_pct``,
    ``ytd_good_days_change_rank`` …), composed from :data:`BULLETIN_HEADERS`."""
    h = BULLETIN_HEADERS[check_language(language)]
    sep = "" if language == "zh" else " "
    prefix = ""
    if column.startswith("ytd_"):
        prefix, column = h["ytd"] + sep, column[4:]
    if column in h:
        return prefix + h[column]
    for suffix in ("last_year", "change_pct", "change_rank", "change"):
        if column.endswith("_" + suffix) and column[: -len(suffix) - 1] in h:
            return prefix + h[column[: -len(suffix) - 1]] + sep + h[suffix]
    raise KeyError(f"no header for bulletin column {column!r}")


# ---- the 扬尘 section (docs/dust.md): dustfall and road dust ------------------------------------
#: Texts of the 扬尘 section (same keys in both languages; D3's TSP subsection adds its own).
DUST_TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "h_dust": "## 八、扬尘",
        "h_dustfall": "### 降尘",
        "h_road_dust": "### 道路尘土残存量",
        "dustfall_unit": "吨/平方公里·月",
        "road_dust_unit": "克/平方米",
        "table_dustfall": "表{no} {year}年{month}月各街乡镇降尘量",
        "table_dustfall_targets": "表{no} 降尘量目标完成情况（目标期累计）",
        "table_road_dust": "表{no} {year}年{month}月各街乡镇道路尘土残存量",
        "table_road_dust_targets": "表{no} 道路尘土残存量目标完成情况（目标期累计）",
        "figure_map_dustfall": "图{no} {district}{year}年{month}月各街乡镇降尘量",
        "figure_map_road_dust": "图{no} {district}{year}年{month}月各街乡镇道路尘土残存量",
        "map_dustfall": "{year}年{month}月降尘量",
        "map_road_dust": "{year}年{month}月道路尘土残存量",
        "no_month_data": "{year}年{month}月无{what}数据。",
        "summary_no_data": "{year}年{month}月各街乡镇均无{what}数据。",
        "summary": "{year}年{month}月全区平均{what}为{district_value}{unit}；各街乡镇中{low}最低（{low_value}），"
                   "{high}最高（{high_value}）{tied}。",
        "summary_one": "{year}年{month}月全区平均{what}为{district_value}{unit}（仅{low}有数据）。",
        "summary_yoy": "与上年同月相比，{parts}。",
        "yoy_down": "{n}个街乡镇下降",
        "yoy_up": "{n}个街乡镇上升",
        "yoy_same": "{n}个街乡镇持平",
        "yoy_none": "{n}个街乡镇无上年同月数据",
        "tied": "（并列）",
        "dustfall_note": "降尘量按HJ 1221—2021以30天计（吨/平方公里·30天，即吨/平方公里·月）；采样期不足或超过30天的按"
                         "30/采样天数折算。降尘数据按报送数据评价，未另行扣除沙尘影响。基准年：{base}年同月。",
        "road_dust_note": "道路尘土残存量为本月各道路采样的算术平均值（克/平方米）。",
        "targets_note": "达标判定：“小于”须严格低于目标值，“以内/不高于/下降X%”等于目标值即达标。",
        "sheet_dustfall": "降尘",
        "sheet_road_dust": "道路尘土",
        "sheet_dust_targets": "扬尘目标",
        "col_town": "街乡镇", "col_value_dustfall": "降尘量（吨/平方公里·月）",
        "col_value_road_dust": "尘土残存量（克/平方米）", "col_rank": "排名",
        "col_last_year": "上年同月", "col_yoy": "同比（%）", "col_base": "基准年同月",
        "col_base_pct": "较基准年（%）", "col_plan": "方案", "col_target": "目标", "col_area": "范围",
        "col_current": "目标期累计均值", "col_level": "目标值", "col_status": "判定", "col_note": "备注",
        "district_row": "全区",
        "sand_dust_caveat": "方案要求扣除沙尘影响；降尘按报送数据评价，未另行扣除",
    },
    "en": {
        "h_dust": "## 8. Dust",
        "h_dustfall": "### Dustfall",
        "h_road_dust": "### Road-dust load",
        "dustfall_unit": " t/km²·month",
        "road_dust_unit": " g/m²",
        "table_dustfall": "Table {no} Dustfall by town, {year}-{month:02d}",
        "table_dustfall_targets": "Table {no} Dustfall targets, period to date",
        "table_road_dust": "Table {no} Road-dust load by town, {year}-{month:02d}",
        "table_road_dust_targets": "Table {no} Road-dust targets, period to date",
        "figure_map_dustfall": "Figure {no} {district}: dustfall by town, {year}-{month:02d}",
        "figure_map_road_dust": "Figure {no} {district}: road-dust load by town, {year}-{month:02d}",
        "map_dustfall": "Dustfall {year}-{month:02d}",
        "map_road_dust": "Road-dust load {year}-{month:02d}",
        "no_month_data": "No {what} data for {year}-{month:02d}.",
        "summary_no_data": "No town has {what} data for {year}-{month:02d}.",
        "summary": "In {year}-{month:02d} the district's mean {what} was {district_value}{unit}; lowest: {low} "
                   "({low_value}), highest: {high} ({high_value}){tied}.",
        "summary_one": "In {year}-{month:02d} the district's mean {what} was {district_value}{unit} (only {low} has data).",
        "summary_yoy": "Against the same month last year: {parts}.",
        "yoy_down": "{n} town(s) fell",
        "yoy_up": "{n} town(s) rose",
        "yoy_same": "{n} town(s) unchanged",
        "yoy_none": "{n} town(s) without last year's value",
        "tied": " (tied)",
        "dustfall_note": "Dustfall per 30 days (HJ 1221-2021, t/km²·30 d = t/km²·month); periods of other lengths "
                         "scaled by 30 / days sampled. Values as delivered by the bureau; sand dust not removed. "
                         "Base year: the same month of {base}.",
        "road_dust_note": "Road-dust load: mean of the month's road samples (g/m²).",
        "targets_note": "“Below” must be strictly below the target; “within / at most / −X%” is met at the target.",
        "sheet_dustfall": "Dustfall",
        "sheet_road_dust": "Road dust",
        "sheet_dust_targets": "Dust targets",
        "col_town": "Town", "col_value_dustfall": "Dustfall (t/km²·month)",
        "col_value_road_dust": "Load (g/m²)", "col_rank": "Rank",
        "col_last_year": "Last year", "col_yoy": "YoY (%)", "col_base": "Base year",
        "col_base_pct": "vs base year (%)", "col_plan": "Plan", "col_target": "Target", "col_area": "Area",
        "col_current": "Period mean", "col_level": "Target level", "col_status": "Status", "col_note": "Note",
        "district_row": "District",
        "sand_dust_caveat": "The plan excludes sand dust; the sheets are evaluated as delivered (not removed here)",
    },
}


def dust_text(key: str, language: str = "zh", **fields: Any) -> str:
    """The text ``key`` of :data:`DUST_TEXT` in ``language``, formatted with ``fields``."""
    template = DUST_TEXT[check_language(language)][key]
    return template.format(**fields) if fields else template
