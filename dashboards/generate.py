#!/usr/bin/env python3
"""Writes the Grafana dashboards in this folder: python3 dashboards/generate.py

The JSON files are generated, not hand-edited: change this script and run it again. It builds typed dashboards
with Grafana's dashboards-as-code library, grafana-foundation-sdk (the version pinned in requirements.txt, which
scripts/deps.sh installs). `python3 dashboards/generate.py --check` exits 1 when a committed file differs from what
it would write.

Every query is restricted to the exporter's own series: the job variable lists only jobs that expose
dataworks_exporter_build_info (the exporter's /metrics, not a /probe job, not Prometheus itself or another target),
and "All" means all of those values (no catch-all allValue). Deployment families are deduplicated per deployment
(max by region_id, project, deployment_id) before they are counted, so two replicas count each deployment once;
pipeline runs likewise (max by region_id, project, kind, pipeline_run_id), and the release recording rules, which
are per exporter, over the workspace without job and instance (max by region_id, project, kind, to_environment).
"""
import json
import pathlib
import sys

from grafana_foundation_sdk.builders import common as common_builder
from grafana_foundation_sdk.builders import dashboard as builder
from grafana_foundation_sdk.builders import prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common, dashboard as model
from grafana_foundation_sdk.models import prometheus as prometheus_model

HERE = pathlib.Path(__file__).resolve().parent
DS = model.DataSourceRef(type_val="prometheus", uid="${datasource}")

# Selectors used by every query; the variables chain datasource -> job -> instance -> project.
EXP = 'job=~"$job", instance=~"$instance"'
DEP = EXP + ', project=~"$project"'
ID = "region_id, project, deployment_id"

GREEN_RED_AT_ONE = [("green", None), ("red", 1)]
GREEN_ORANGE_AT_ONE = [("green", None), ("orange", 1)]
RED_GREEN_AT_ONE = [("red", None), ("green", 1)]


def variables(project_family="dataworks_deployment_info"):
    """datasource -> job -> instance -> project; the projects are those of `project_family`, the family the
    dashboard is about."""
    return [
        builder.DatasourceVariable("datasource").label("Data source").type("prometheus"),
        query_variable("job", "Job", "label_values(dataworks_exporter_build_info, job)"),
        query_variable("instance", "Instance", 'label_values(dataworks_exporter_build_info{job=~"$job"}, instance)'),
        query_variable(
            "project",
            "Project",
            f'label_values({project_family}{{job=~"$job", instance=~"$instance"}}, project)',
        ),
    ]


def query_variable(name, label, query):
    return (
        builder.QueryVariable(name)
        .label(label)
        .datasource(DS)
        .query({"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"})
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .current(model.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )


def query(expr, legend="__auto", ref="A", instant=False, table_format=False):
    result = (
        prometheus.Dataquery()
        .datasource(DS)
        .expr(expr)
        .legend_format(legend)
        .ref_id(ref)
        .editor_mode(prometheus_model.QueryEditorMode.CODE)
    )
    result = result.instant() if instant else result.range()
    if table_format:
        result = result.format(prometheus_model.PromQueryFormat.TABLE)
    return result


def thresholds(steps):
    return (
        builder.ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps([model.Threshold(color=color, value=value) for color, value in steps])
    )


def value_texts(texts):
    return [
        model.ValueMap(options={value: model.ValueMappingResult(text=text) for value, text in texts.items()})
    ]


def stat_panel(title, description, expr, unit="none", steps=None, texts=None, decimals=None, no_value=None):
    """A single-value panel of an instant query; `decimals` for counts (0: `increase()` extrapolates, 16.07 is 16),
    `no_value` the text shown when the query has no answer."""
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(DS)
        .with_target(query(expr, legend="", instant=True))
        .unit(unit)
        .color_scheme(builder.FieldColor().mode(model.FieldColorModeId.THRESHOLDS))
        .thresholds(thresholds(steps or [("green", None)]))
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .text_mode(common.BigValueTextMode.VALUE)
        .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False).fields(""))
    )
    if texts:
        panel = panel.mappings(value_texts(texts))
    if decimals is not None:
        panel = panel.decimals(decimals)
    if no_value is not None:
        panel = panel.no_value(no_value)
    return panel


def red_series(panel, pattern):
    return panel.override_by_regexp(
        pattern, [model.DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": "red"})]
    )


def timeseries_panel(title, description, targets, unit="short", red=None, stack=False):
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DS)
        .targets([query(expr, legend=legend, ref=chr(ord("A") + index)) for index, (expr, legend) in enumerate(targets)])
        .unit(unit)
        .color_scheme(builder.FieldColor().mode(model.FieldColorModeId.PALETTE_CLASSIC))
        .line_width(1)
        .fill_opacity(10)
        .show_points(common.VisibilityMode.NEVER)
        .span_nulls(False)
        .stacking(
            common_builder.StackingConfig().mode(common.StackingMode.NORMAL if stack else common.StackingMode.NONE).group("A")
        )
        .legend(
            common_builder.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.TABLE)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
            .calcs(["lastNotNull", "max"])
        )
        .tooltip(common_builder.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI).sort(common.SortOrder.DESCENDING))
    )
    if red:
        panel = red_series(panel, red)
    return panel


def sized(panel, w, h):
    return panel.span(w).height(h)


def errors_by_code(selector, total):
    """Error rates by code, only the codes that happened, plus their sum (named `total`): the exporter presets the
    common codes to 0, and a legend of 25 zero lines hides what happened."""
    rate = f"rate(dataworks_api_errors_total{{{selector}}}[$__rate_interval])"
    return f'sum by (code) ({rate}) > 0 or label_replace(sum({rate}), "code", "{total}", "code", ".*")'


def status_selector(status):
    return f'max by ({ID}) (dataworks_deployment_status{{{DEP}, status="{status}"}}) == 1'


def created_age():
    return f"time() - max by ({ID}) (dataworks_deployment_create_timestamp_seconds{{{DEP}}})"


def status_changes():
    """A deployment entering a status: its status series turned 1 within the last interval."""
    return (
        f"max by ({ID}, status) ((changes(dataworks_deployment_status{{{DEP}}}[$__rate_interval]) > 0) "
        f"and (dataworks_deployment_status{{{DEP}}} == 1))"
    )


def dashboard(uid, title, description, rows, project_family="dataworks_deployment_info", annotations=()):
    board = (
        builder.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["dataworks", "dataworks-exporter"])
        .timezone("utc")
        .readonly()
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .refresh("1m")
        .time("now-6h", "now")
        .version(1)
        .link(
            builder.DashboardLink("DataWorks dashboards")
            .type(model.DashboardLinkType.DASHBOARDS)
            .tags(["dataworks"])
            .as_dropdown(False)
            .include_vars(True)
            .keep_time(True)
            .icon("external link")
            .target_blank(False)
        )
        .annotation(
            builder.AnnotationQuery()
            .name("Annotations & Alerts")
            .datasource(model.DataSourceRef(type_val="grafana", uid="-- Grafana --"))
            .enable(True)
            .hide(True)
            .icon_color("rgba(0, 211, 255, 1)")
            .type("dashboard")
            .built_in(1)
        )
        .variables(variables(project_family))
    )
    for annotation in annotations:
        board = board.annotation(annotation)
    next_id = 1
    for row_title, panels in rows:
        board = board.with_row(builder.Row(row_title).id(next_id))
        next_id += 1
        for panel, w, h in panels:
            board = board.with_panel(sized(panel, w, h).id(next_id))
            next_id += 1
    return board


def merged_table(title, description, targets, columns, hidden=(), units=(), status_colors=None, sort_by=None):
    """A table of instant queries merged into one row per series identity: `columns` are (field, display name) in
    their order, `hidden` the fields left out (each query's own value column, unless it is a column), `units`
    (display name, unit) pairs, `status_colors` the background colour of each value of the Status column."""
    panel = (
        table.Panel()
        .title(title)
        .description(description)
        .datasource(DS)
        .targets(targets)
        .with_transformation(model.DataTransformerConfig(id_val="merge", options={}))
        .with_transformation(
            model.DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {"Time": True, **{field: True for field in hidden}},
                    "indexByName": {field: index for index, (field, _) in enumerate(columns)},
                    "renameByName": dict(columns),
                },
            )
        )
    )
    if status_colors:
        panel = panel.override_by_name(
            "Status",
            [
                model.DynamicConfigValue(id_val="custom.cellOptions", value={"type": "color-background"}),
                model.DynamicConfigValue(
                    id_val="mappings",
                    value=[
                        {
                            "type": "value",
                            "options": {
                                status: {"color": color, "index": index}
                                for index, (status, color) in enumerate(status_colors.items())
                            },
                        }
                    ],
                ),
            ],
        )
    for column, unit in units:
        panel = panel.override_by_name(column, [model.DynamicConfigValue(id_val="unit", value=unit)])
    panel = panel.show_header(True)
    if sort_by:
        panel = panel.sort_by([common_builder.TableSortByFieldState().display_name(sort_by).desc(False)])
    return panel.cell_height(common.TableCellHeight.SM)


# DeployedItems statuses that mean a file of the package did not ship (dataworks_deployment_items{status}).
FAILED_FILES = "error|deploy_error|reject"


def deployed_files(statuses=None):
    """The files of each deployment (dataworks_deployment_items summed over statuses), only `statuses` if given."""
    selector = DEP if statuses is None else f'{DEP}, status=~"{statuses}"'
    return f"sum by ({ID}) (max by ({ID}, status) (dataworks_deployment_items{{{selector}}}))"


def by_person(label, only=None):
    """Watched deployments per `label` (creator or executor: Alibaba Cloud user IDs), as label `person`, only those
    matching the deployment-level selector `only` if given; executor is empty until a package is executed."""
    info = f'label_replace(dataworks_deployment_info{{{DEP}, {label}!=""}}, "person", "$1", "{label}", "(.*)")'
    people = f"max by ({ID}, person) ({info})"
    if only is not None:
        people = f"{people} and on ({ID}) ({only})"
    return f"count by (person) ({people})"


def shipped_row():
    """What the packages shipped and who released them (issue 14, item 4): checks, files by status, people."""
    people = merged_table(
        "By creator",
        "Watched deployments per creator (CreatorId, an Alibaba Cloud user ID), how many of them failed, and how "
        "many each person executed (HandlerId).",
        [
            query(by_person("creator"), ref="A", instant=True, table_format=True),
            query(by_person("creator", status_selector("failure")), ref="B", instant=True, table_format=True),
            query(by_person("executor"), ref="C", instant=True, table_format=True),
        ],
        [("person", "Person"), ("Value #A", "Created"), ("Value #B", "Failed"), ("Value #C", "Executed")],
        sort_by="Created",
    )
    return (
        "What shipped and who",
        [
            (
                stat_panel(
                    "Check failed",
                    "Deployments whose CheckingStatus is check_failed: a check (code review, smoke test, extension) "
                    "stopped the package before it could be released.",
                    f'count(max by ({ID}) (dataworks_deployment_checking_status{{{DEP}, status="check_failed"}}) '
                    "== 1) or vector(0)",
                    steps=GREEN_RED_AT_ONE,
                ),
                4,
                8,
            ),
            (
                stat_panel(
                    "Checking",
                    "Deployments whose CheckingStatus is checking: a check still runs on the package.",
                    f'count(max by ({ID}) (dataworks_deployment_checking_status{{{DEP}, status="checking"}}) '
                    "== 1) or vector(0)",
                ),
                4,
                8,
            ),
            (
                stat_panel(
                    "Files failed",
                    "Files (DeployedItems) of the watched deployments whose status is error, deploy_error or reject.",
                    f'sum(max by ({ID}, status) (dataworks_deployment_items{{{DEP}, status=~"{FAILED_FILES}"}})) '
                    "or vector(0)",
                    steps=GREEN_RED_AT_ONE,
                ),
                4,
                8,
            ),
            (people, 12, 8),
            (
                timeseries_panel(
                    "Deployed files by status",
                    "The files of the watched deployments (dataworks_deployment_items: DeployedItems of their "
                    "GetDeployment answers) by status, each deployment once however many exporters watch it.",
                    [
                        (
                            f"sum by (status) (max by ({ID}, status) (dataworks_deployment_items{{{DEP}}}))",
                            "{{status}}",
                        )
                    ],
                    red="error|deploy_error|reject",
                    stack=True,
                ),
                24,
                8,
            ),
        ],
    )


def deployments():
    table_targets = [
        query(
            f"max by ({ID}, name, to_environment, creator, executor) (dataworks_deployment_info{{{DEP}}})",
            ref="A",
            instant=True,
            table_format=True,
        ),
        query(f"max by ({ID}, status) (dataworks_deployment_status{{{DEP}}} == 1)", ref="B", instant=True, table_format=True),
        query(
            f"max by ({ID}) (dataworks_deployment_execution_latency_seconds{{{DEP}}})",
            ref="C",
            instant=True,
            table_format=True,
        ),
        query(created_age(), ref="D", instant=True, table_format=True),
        query(
            f"max by ({ID}, error_message) (dataworks_deployment_error_info{{{DEP}}})",
            ref="E",
            instant=True,
            table_format=True,
        ),
        query(
            renamed(f"dataworks_deployment_checking_status{{{DEP}}} == 1", "check", "status", ID),
            ref="F",
            instant=True,
            table_format=True,
        ),
        query(deployed_files(), ref="G", instant=True, table_format=True),
        query(deployed_files(FAILED_FILES), ref="H", instant=True, table_format=True),
    ]
    status_colors = {"failure": "red", "ready": "orange", "success": "green", "rejected": "purple", "unknown": "gray"}
    deployments_table = merged_table(
        "Deployments",
        "Every watched deployment: status, target environment, the failure reason of a failed one (ErrorMessage), "
        "who created it (CreatorId) and who executed it (HandlerId), its check (CheckingStatus, empty once passed), "
        "its files (DeployedItems) and how many of them failed, execution latency (ExecuteTime − CreateTime) and age "
        "since CreateTime.",
        table_targets,
        [
            ("name", "Name"),
            ("project", "Project"),
            ("deployment_id", "Deployment"),
            ("region_id", "Region"),
            ("to_environment", "Target"),
            ("status", "Status"),
            ("error_message", "Failure reason"),
            ("creator", "Creator"),
            ("executor", "Executor"),
            ("check", "Check"),
            ("Value #G", "Files"),
            ("Value #H", "Files failed"),
            ("Value #C", "Execution latency"),
            ("Value #D", "Age"),
        ],
        hidden=["Value #A", "Value #B", "Value #E", "Value #F"],
        units=[("Execution latency", "s"), ("Age", "s")],
        status_colors=status_colors,
        sort_by="Age",
    )
    rows = [
        (
            "Now",
            [
                (
                    stat_panel(
                        "Failed",
                        "Deployments whose current status is failure.",
                        f"count({status_selector('failure')}) or vector(0)",
                        steps=GREEN_RED_AT_ONE,
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Stuck in ready > 1h",
                        "Deployments still in status ready more than an hour after they were created.",
                        f"count(({status_selector('ready')}) and on ({ID}) ({created_age()} > 3600)) or vector(0)",
                        steps=GREEN_ORANGE_AT_ONE,
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Ready",
                        "Deployments waiting in status ready.",
                        f"count({status_selector('ready')}) or vector(0)",
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Watched",
                        "Deployments the exporter has data for.",
                        f"count(max by ({ID}) (dataworks_deployment_info{{{DEP}}})) or vector(0)",
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Stale > 15m",
                        "Deployments whose last refresh failed and whose last good data is more than 15 minutes old (as "
                        "the DataWorksDeploymentDataStale alert); a finished deployment that is not due yet is not stale.",
                        f"count(max by ({ID}) (dataworks_deployment_fetch_success{{{DEP}}}) == 0 unless on ({ID}) "
                        f"(time() - max by ({ID}) (dataworks_deployment_last_fetch_success_timestamp_seconds{{{DEP}}}) "
                        "<= 900)) or vector(0)",
                        steps=GREEN_ORANGE_AT_ONE,
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "DataWorks API",
                        "dataworks_up: 1 if the last collection of every exporter instance fetched every deployment.",
                        f"min(dataworks_up{{{EXP}}})",
                        steps=RED_GREEN_AT_ONE,
                        texts={"0": "DOWN", "1": "UP"},
                    ),
                    4,
                    4,
                ),
            ],
        ),
        (
            "Deployments",
            [
                (deployments_table, 24, 9),
                (
                    timeseries_panel(
                        "Deployments by status",
                        "How many watched deployments are in each status (each deployment once, however many "
                        "exporters watch it).",
                        [(f"sum by (status) (max by ({ID}, status) (dataworks_deployment_status{{{DEP}}}))", "{{status}}")],
                        red="failure",
                        stack=True,
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "Data freshness",
                        "Seconds since each deployment was last fetched successfully. Finished deployments are "
                        "re-checked every terminal_refresh (1 h by default), so their age grows until then.",
                        [
                            (
                                f"time() - max by ({ID}) "
                                f"(dataworks_deployment_last_fetch_success_timestamp_seconds{{{DEP}}})",
                                "{{project}}/{{deployment_id}}",
                            )
                        ],
                        unit="s",
                    ),
                    12,
                    8,
                ),
            ],
        ),
        (
            "DataWorks API",
            [
                (
                    timeseries_panel(
                        "API requests and errors by code",
                        "Requests per second to the DataWorks API, and failed ones by error code (only codes that "
                        "occurred, and all errors together); throttling codes in red.",
                        [
                            (f"sum(rate(dataworks_api_requests_total{{{EXP}}}[$__rate_interval]))", "requests"),
                            (errors_by_code(EXP, "all errors"), "{{code}}"),
                        ],
                        unit="reqps",
                        red="Throttling.*",
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "Throttling",
                        "Throttled answers per second: flow control (Throttling, Throttling.User, Throttling.System, "
                        "Throttling.Api) and the daily quota (Throttling.Api.Risk, Throttling.Resource); only codes "
                        "that occurred, and all of them together.",
                        [
                            (errors_by_code(EXP + ', code=~"Throttling.*"', "all throttling"), "{{code}}"),
                            (
                                f"sum by (reason) (rate(dataworks_api_retries_total{{{EXP}}}[$__rate_interval]))",
                                "retry: {{reason}}",
                            ),
                        ],
                        unit="reqps",
                        red="Throttling.*",
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "API latency",
                        "Quantiles of the DataWorks API request duration.",
                        [
                            (
                                f"histogram_quantile({q}, sum by (le) "
                                f"(rate(dataworks_api_request_duration_seconds_bucket{{{EXP}}}[$__rate_interval])))",
                                f"p{int(q * 100)}",
                            )
                            for q in (0.5, 0.95, 0.99)
                        ],
                        unit="s",
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "Collection duration against its budget",
                        "How long each exporter's last collection took, and its time budget (the scrape timeout minus "
                        "the offset).",
                        [
                            (f"max by (instance) (dataworks_scrape_duration_seconds{{{EXP}}})", "{{instance}} duration"),
                            (f"max by (instance) (dataworks_scrape_timeout_seconds{{{EXP}}})", "{{instance}} budget"),
                        ],
                        unit="s",
                    ),
                    12,
                    8,
                ),
            ],
        ),
        shipped_row(),
        quota_row(),
    ]
    return dashboard(
        "dataworks-deployments",
        "DataWorks / Deployments",
        "Alibaba Cloud DataWorks release packages (deployments) watched by dataworks-exporter.",
        rows,
        annotations=[
            builder.AnnotationQuery()
            .name(STATUS_CHANGES)
            .datasource(DS)
            .enable(True)
            .hide(False)
            .icon_color("orange")
            .expr(status_changes())
        ],
    )


# The SDK's AnnotationQuery has no fields for the Prometheus annotation options: render() adds them to this one.
STATUS_CHANGES = "Deployment status changes"
PROMETHEUS_ANNOTATION_OPTIONS = {
    STATUS_CHANGES: {
        "titleFormat": "{{project}}/{{deployment_id}} → {{status}}",
        "textFormat": "Deployment {{deployment_id}} in project {{project}} ({{region_id}}) is now {{status}}.",
        "tagKeys": "status",
        "step": "1m",
        "useValueForTime": False,
    }
}


def quota_row():
    return (
        "Quota",
        [
            (
                timeseries_panel(
                    "Paused regions",
                    "dataworks_api_region_paused: 1 while calls to a region are paused after a daily or edition quota "
                    "answer (Throttling.Api.Risk, Throttling.Resource), until the quota resets at the next UTC day.",
                    [(f"max by (instance, region_id) (dataworks_api_region_paused{{{EXP}}})", "{{instance}} {{region_id}}")],
                    red=".*",
                ),
                8,
                8,
            ),
            (
                timeseries_panel(
                    "Rate limit by region",
                    "dataworks_api_rate_limit_per_second: the effective calls per second to a region's API "
                    "(dataworks.rate_limit, lowered after throttling); no line when unlimited.",
                    [
                        (
                            f"max by (instance, region_id) (dataworks_api_rate_limit_per_second{{{EXP}}})",
                            "{{instance}} {{region_id}}",
                        )
                    ],
                    unit="reqps",
                ),
                8,
                8,
            ),
            (
                timeseries_panel(
                    "API requests per collection",
                    "dataworks_cycle_api_requests: the requests the last collection sent, retries included, by action; "
                    "times the collections a day, this is the daily quota spent.",
                    [(f"max by (instance, action) (dataworks_cycle_api_requests{{{EXP}}})", "{{instance}} {{action}}")],
                ),
                8,
                8,
            ),
        ],
    )


def exporter_health():
    build_table = (
        table.Panel()
        .title("Build")
        .description("dataworks_exporter_build_info of each instance.")
        .datasource(DS)
        .with_target(
            query(
                f"max by (instance, version, revision, swiftversion) (dataworks_exporter_build_info{{{EXP}}})",
                instant=True,
                table_format=True,
            )
        )
        .with_transformation(
            model.DataTransformerConfig(
                id_val="organize", options={"excludeByName": {"Time": True, "Value": True}, "renameByName": {}}
            )
        )
        .show_header(True)
        .cell_height(common.TableCellHeight.SM)
    )
    rows = [
        (
            "Status",
            [
                (
                    stat_panel(
                        "Scrape",
                        "up: whether Prometheus reaches every exporter instance.",
                        f"min(up{{{EXP}}})",
                        steps=RED_GREEN_AT_ONE,
                        texts={"0": "DOWN", "1": "UP"},
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "DataWorks API",
                        "dataworks_up: 1 if the last collection fetched every deployment.",
                        f"min(dataworks_up{{{EXP}}})",
                        steps=RED_GREEN_AT_ONE,
                        texts={"0": "DOWN", "1": "UP"},
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Config loaded",
                        "dataworks_exporter_config_last_reload_successful: 0 when the last configuration load failed.",
                        f"min(dataworks_exporter_config_last_reload_successful{{{EXP}}})",
                        steps=RED_GREEN_AT_ONE,
                        texts={"0": "FAILED", "1": "OK"},
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Config age",
                        "Time since the configuration was last loaded successfully.",
                        f"time() - max(dataworks_exporter_config_last_reload_success_timestamp_seconds{{{EXP}}})",
                        unit="s",
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Uptime",
                        "Time since the oldest exporter process started.",
                        f"time() - min(process_start_time_seconds{{{EXP}}})",
                        unit="s",
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Fetch success",
                        "Share of the deployments fetched by the last collection (each deployment once, fetched if "
                        "any exporter fetched it).",
                        f"avg(max by ({ID}) (dataworks_deployment_fetch_success{{{DEP}}}))",
                        unit="percentunit",
                        steps=[("red", None), ("orange", 0.5), ("green", 1)],
                    ),
                    4,
                    4,
                ),
                (build_table, 24, 5),
            ],
        ),
        (
            "Collection",
            [
                (
                    timeseries_panel(
                        "Collection duration against its budget",
                        "The exporter's last collection and its time budget, next to the duration of Prometheus' "
                        "scrape.",
                        [
                            (f"max by (instance) (dataworks_scrape_duration_seconds{{{EXP}}})", "{{instance}} collection"),
                            (f"max by (instance) (dataworks_scrape_timeout_seconds{{{EXP}}})", "{{instance}} budget"),
                            (f"max by (instance) (scrape_duration_seconds{{{EXP}}})", "{{instance}} scrape"),
                        ],
                        unit="s",
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "Deployments fetched",
                        "Share of the deployments fetched successfully by each instance's last collection.",
                        [(f"avg by (instance) (dataworks_deployment_fetch_success{{{DEP}}})", "{{instance}}")],
                        unit="percentunit",
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "API requests by action",
                        "Requests per second to the DataWorks API, retries included.",
                        [
                            (
                                f"sum by (action) (rate(dataworks_api_requests_total{{{EXP}}}[$__rate_interval]))",
                                "{{action}}",
                            )
                        ],
                        unit="reqps",
                    ),
                    8,
                    8,
                ),
                (
                    timeseries_panel(
                        "API errors by code",
                        "Failed DataWorks API requests per second, by error code (only codes that occurred, and all "
                        "errors together); throttling codes in red.",
                        [(errors_by_code(EXP, "all errors"), "{{code}}")],
                        unit="reqps",
                        red="Throttling.*",
                    ),
                    8,
                    8,
                ),
                (
                    timeseries_panel(
                        "API retries by reason",
                        "Requests sent again after a retryable failure, per second.",
                        [
                            (
                                f"sum by (reason) (rate(dataworks_api_retries_total{{{EXP}}}[$__rate_interval]))",
                                "{{reason}}",
                            )
                        ],
                        unit="reqps",
                    ),
                    8,
                    8,
                ),
            ],
        ),
        quota_row(),
        (
            "Process",
            [
                (
                    timeseries_panel(
                        "CPU",
                        "CPU seconds used per second.",
                        [(f"rate(process_cpu_seconds_total{{{EXP}}}[$__rate_interval])", "{{instance}}")],
                        unit="percentunit",
                    ),
                    8,
                    8,
                ),
                (
                    timeseries_panel(
                        "Memory",
                        "Resident memory.",
                        [(f"process_resident_memory_bytes{{{EXP}}}", "{{instance}}")],
                        unit="bytes",
                    ),
                    8,
                    8,
                ),
                (
                    timeseries_panel(
                        "File descriptors",
                        "Open file descriptors against the limit.",
                        [(f"process_open_fds{{{EXP}}} / process_max_fds{{{EXP}}}", "{{instance}}")],
                        unit="percentunit",
                    ),
                    8,
                    8,
                ),
            ],
        ),
    ]
    return dashboard(
        "dataworks-exporter-health",
        "DataWorks / Exporter health",
        "dataworks-exporter itself: scrapes, collections against their budget, DataWorks API traffic and quota, "
        "configuration and process.",
        rows,
    )


# Pipeline runs (API 2024-05-18): the identity of a run, and the selector of the project variable.
RUN = "region_id, project, kind, pipeline_run_id"
PIPELINE_RUN_STATUS_CHANGES = "Pipeline run status changes"
PROMETHEUS_ANNOTATION_OPTIONS[PIPELINE_RUN_STATUS_CHANGES] = {
    "titleFormat": "{{project}}/{{pipeline_run_id}} → {{status}}",
    "textFormat": "Pipeline run {{pipeline_run_id}} ({{kind}}) in project {{project}} ({{region_id}}) is now {{status}}.",
    "tagKeys": "status,kind",
    "step": "1m",
    "useValueForTime": False,
}


def run_status(statuses):
    return f'max by ({RUN}) (dataworks_pipeline_run_status{{{DEP}, status=~"{statuses}"}}) == 1'


def run_last_change():
    """Seconds since the run last changed: its newest create, modify, execute or finish time."""
    return (
        f"time() - max by ({RUN}) "
        f'({{__name__=~"dataworks_pipeline_run_(create|modify|execute|finish)_timestamp_seconds", {DEP}}})'
    )


def run_waiting():
    """Seconds each run has waited at its manual stage, with the stage's code and step."""
    return (
        f"max by ({RUN}, stage_step, stage_code) ((dataworks_pipeline_run_awaiting_stage{{{DEP}}} == 1) "
        f"* on (job, instance, {RUN}) group_left () "
        f"(time() - dataworks_pipeline_run_awaiting_since_timestamp_seconds{{{DEP}}}))"
    )


def renamed(expr, new_label, old_label, by):
    """`expr` with its label `old_label` copied to `new_label`, then only `by` and `new_label` kept."""
    return f'max by ({by}, {new_label}) (label_replace({expr}, "{new_label}", "$1", "{old_label}", "(.*)"))'


def pipeline_runs():
    table_targets = [
        query(
            f"max by ({RUN}, object_name, creator) (dataworks_pipeline_run_info{{{DEP}}})",
            ref="A",
            instant=True,
            table_format=True,
        ),
        query(f"max by ({RUN}, status) (dataworks_pipeline_run_status{{{DEP}}} == 1)", ref="B", instant=True, table_format=True),
        query(
            renamed(f'dataworks_pipeline_run_stage_info{{{DEP}, status=~"(?i)fail"}}', "failed_stage", "stage_code", RUN),
            ref="C",
            instant=True,
            table_format=True,
        ),
        query(
            f"max by ({RUN}, error_message) (dataworks_pipeline_run_error_info{{{DEP}}})",
            ref="D",
            instant=True,
            table_format=True,
        ),
        query(
            renamed(f"dataworks_pipeline_run_awaiting_stage{{{DEP}}} == 1", "gate", "stage_code", RUN),
            ref="E",
            instant=True,
            table_format=True,
        ),
        query(f"max by ({RUN}) ({run_waiting()})", ref="F", instant=True, table_format=True),
        query(
            f"time() - max by ({RUN}) (dataworks_pipeline_run_create_timestamp_seconds{{{DEP}}})",
            ref="G",
            instant=True,
            table_format=True,
        ),
    ]
    status_colors = {
        "fail": "red",
        "termination": "purple",
        "cancel": "gray",
        "running": "blue",
        "building": "blue",
        "ready": "orange",
        "init": "text",
        "success": "green",
        "unknown": "gray",
    }
    runs_table = merged_table(
        "Pipeline runs",
        "Every watched pipeline run (workspace and cross-project): status, the stage that failed and the failure "
        "message, the manual stage a run waits at and for how long, and the age since CreateTime.",
        table_targets,
        [
            ("object_name", "Object"),
            ("project", "Project"),
            ("pipeline_run_id", "Pipeline run"),
            ("kind", "Kind"),
            ("region_id", "Region"),
            ("creator", "Creator"),
            ("status", "Status"),
            ("failed_stage", "Failed stage"),
            ("error_message", "Failure message"),
            ("gate", "Waiting at"),
            ("Value #F", "Waiting for"),
            ("Value #G", "Age"),
        ],
        hidden=["Value #A", "Value #B", "Value #C", "Value #D", "Value #E"],
        units=[("Waiting for", "s"), ("Age", "s")],
        status_colors=status_colors,
        sort_by="Age",
    )
    rows = [
        (
            "Now",
            [
                (
                    stat_panel(
                        "Failed in 24h",
                        "Pipeline runs whose status is fail and that last changed in the last 24 hours (as the "
                        "DataWorksPipelineRunFailed alert).",
                        f"count(({run_status('fail')}) and on ({RUN}) ({run_last_change()} < 86400)) or vector(0)",
                        steps=GREEN_RED_AT_ONE,
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Waiting at a gate > 1h",
                        "Pipeline runs waiting at a manual stage for more than an hour (as the "
                        "DataWorksPipelineRunAwaitingStage alert).",
                        f"count(max by ({RUN}) ({run_waiting()}) > 3600) or vector(0)",
                        steps=GREEN_ORANGE_AT_ONE,
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Waiting at a gate",
                        "Pipeline runs waiting at a manual stage: an earlier stage done, nothing running, the next "
                        "stage still Init.",
                        f"count(max by ({RUN}) (dataworks_pipeline_run_awaiting_stage{{{DEP}}}) == 1) or vector(0)",
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Building or running",
                        "Pipeline runs in status building or running.",
                        f"count({run_status('building|running')}) or vector(0)",
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Watched",
                        "Pipeline runs the exporter has data for (each once, however many exporters watch it).",
                        f"count(max by ({RUN}) (dataworks_pipeline_run_info{{{DEP}}})) or vector(0)",
                    ),
                    4,
                    4,
                ),
                (
                    stat_panel(
                        "Refresh failed",
                        "Pipeline runs whose last refresh failed (dataworks_pipeline_run_fetch_success 0 on every "
                        "exporter that watches them); their status may be out of date.",
                        f"count(max by ({RUN}) (dataworks_pipeline_run_fetch_success{{{DEP}}}) == 0) or vector(0)",
                        steps=GREEN_ORANGE_AT_ONE,
                    ),
                    4,
                    4,
                ),
            ],
        ),
        (
            "Pipeline runs",
            [
                (runs_table, 24, 10),
                (
                    timeseries_panel(
                        "Pipeline runs by status",
                        "How many watched pipeline runs are in each status over time (each run once, however many "
                        "exporters watch it).",
                        [
                            (
                                f"sum by (status) (max by ({RUN}, status) (dataworks_pipeline_run_status{{{DEP}}}))",
                                "{{status}}",
                            )
                        ],
                        red="fail",
                        stack=True,
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "Waiting at a manual stage",
                        "How long each run has waited at its manual stage (someone must execute it); the "
                        "DataWorksPipelineRunAwaitingStage alert fires past an hour.",
                        [(run_waiting(), "{{project}}/{{pipeline_run_id}} at {{stage_code}}")],
                        unit="s",
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "Deployed items by status",
                        "What the finished runs deployed (dataworks_pipeline_run_items), by item type and status, each "
                        "run once.",
                        [
                            (
                                f"sum by (item_type, status) (max by ({RUN}, item_type, status) "
                                f"(dataworks_pipeline_run_items{{{DEP}}}))",
                                "{{item_type}} {{status}}",
                            )
                        ],
                        red=".*(Fail|fail).*",
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "Data freshness",
                        "Seconds since each pipeline run was last fetched successfully. Finished runs are re-checked "
                        "every terminal_refresh, so their age grows until then.",
                        [
                            (
                                f"time() - max by ({RUN}) "
                                f"(dataworks_pipeline_run_last_fetch_success_timestamp_seconds{{{DEP}}})",
                                "{{project}}/{{pipeline_run_id}}",
                            )
                        ],
                        unit="s",
                    ),
                    12,
                    8,
                ),
            ],
        ),
    ]
    return dashboard(
        "dataworks-pipeline-runs",
        "DataWorks / Pipeline runs",
        "Alibaba Cloud DataWorks pipeline runs (API 2024-05-18, new Data Studio; workspace and cross-project) watched "
        "by dataworks-exporter.",
        rows,
        project_family="dataworks_pipeline_run_info",
        annotations=[
            builder.AnnotationQuery()
            .name(PIPELINE_RUN_STATUS_CHANGES)
            .datasource(DS)
            .enable(True)
            .hide(False)
            .icon_color("orange")
            .expr(
                f"max by ({RUN}, status) ((changes(dataworks_pipeline_run_status{{{DEP}}}[$__rate_interval]) > 0) "
                f"and (dataworks_pipeline_run_status{{{DEP}}} == 1))"
            )
        ],
    )


# Releases: the labels of the recording rules in alerts/dataworks.rules.yml (group dataworks-releases) without job
# and instance, over which two exporters that watch the same workspace are deduplicated.
WS = "region_id, project, kind, to_environment"
WS_LEGEND = "{{project}} {{kind}} → {{to_environment}}"


def recorded(name, extra=""):
    """A recording rule of the dataworks-releases group, deduplicated over the exporters."""
    return f"max by ({WS}) (workspace:dataworks_{name}{{{DEP}{extra}}})"


def quantiles_panel(title, description, histogram):
    """The p50 and p90 recording rules of `histogram` over time, per workspace, kind and environment."""
    return timeseries_panel(
        title,
        description,
        [(recorded(f"{histogram}:{q}_1d"), f"{q} " + WS_LEGEND) for q in ("p50", "p90")],
        unit="s",
    )


def releases_of(statuses, environment="production"):
    return (
        f"sum(max by ({WS}, status) (workspace:dataworks_releases:increase1d{{{DEP}, "
        f'to_environment="{environment}", status=~"{statuses}"}}))'
    )


def releases():
    table_targets = [
        query(recorded("release_deployment_frequency:increase1d"), ref="A", instant=True, table_format=True),
        query(recorded("release_change_failure_rate:ratio1d"), ref="B", instant=True, table_format=True),
        query(recorded("release_duration_seconds:p50_1d"), ref="C", instant=True, table_format=True),
        query(recorded("release_duration_seconds:p90_1d"), ref="D", instant=True, table_format=True),
        query(recorded("release_lead_time_seconds:p50_1d"), ref="E", instant=True, table_format=True),
        query(recorded("release_lead_time_seconds:p90_1d"), ref="F", instant=True, table_format=True),
    ]
    values = [
        ("Value #A", "Delivered / day"),
        ("Value #B", "Change failure rate"),
        ("Value #C", "Duration p50"),
        ("Value #D", "Duration p90"),
        ("Value #E", "Lead time p50"),
        ("Value #F", "Lead time p90"),
    ]
    per_workspace = merged_table(
        "By workspace and environment",
        "Over the last day, per workspace, kind (deployment, pipeline_run, cross_project) and target "
        "environment: releases delivered, change failure rate (failed / (delivered + failed)), and the median "
        "and 90th percentile of the duration (creation to execution) and lead time (earliest commit to "
        "execution; only with lead time enabled) of the delivered releases.",
        table_targets,
        [("project", "Project"), ("region_id", "Region"), ("kind", "Kind"), ("to_environment", "Target")] + values,
        units=[("Change failure rate", "percentunit")]
        + [(column, "s") for column in ("Duration p50", "Duration p90", "Lead time p50", "Lead time p90")],
    )
    rows = [
        (
            "Production, last day",
            [
                (
                    stat_panel(
                        "Delivered",
                        "Releases into production that succeeded over the last day, every workspace and kind.",
                        f"{releases_of('success')} or vector(0)",
                        decimals=0,
                    ),
                    6,
                    4,
                ),
                (
                    stat_panel(
                        "Failed",
                        "Releases into production that failed over the last day (status failure or fail).",
                        f"{releases_of('failure|fail')} or vector(0)",
                        steps=GREEN_RED_AT_ONE,
                        decimals=0,
                    ),
                    6,
                    4,
                ),
                (
                    stat_panel(
                        "Change failure rate",
                        "Failed / (delivered + failed) releases into production over the last day; the "
                        "DataWorksReleaseChangeFailureRateHigh alert fires per workspace over 20 %; no value on a "
                        "day without any.",
                        f"{releases_of('failure|fail')} / ({releases_of('success|failure|fail')} > 0)",
                        unit="percentunit",
                        no_value="no releases",
                        steps=[("green", None), ("orange", 0.1), ("red", 0.2)],
                    ),
                    6,
                    4,
                ),
                (
                    stat_panel(
                        "Rejected, cancelled, terminated",
                        "Releases into production stopped by a person over the last day: they count neither as "
                        "delivered nor as failed.",
                        f"{releases_of('rejected|cancel|termination')} or vector(0)",
                        decimals=0,
                    ),
                    6,
                    4,
                ),
            ],
        ),
        (
            "Releases",
            [
                (per_workspace, 24, 8),
                (
                    timeseries_panel(
                        "Deployment frequency",
                        "Releases delivered over the last day (a rolling day), per workspace, kind and environment.",
                        [(recorded("release_deployment_frequency:increase1d"), WS_LEGEND)],
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "Change failure rate",
                        "Failed / (delivered + failed) over the last day (a rolling day), per workspace, kind and "
                        "environment.",
                        [(recorded("release_change_failure_rate:ratio1d"), WS_LEGEND)],
                        unit="percentunit",
                    ),
                    12,
                    8,
                ),
                (
                    quantiles_panel(
                        "Release duration",
                        "Median and 90th percentile of the time from creation to execution of the releases delivered "
                        "over the last day.",
                        "release_duration_seconds",
                    ),
                    12,
                    8,
                ),
                (
                    quantiles_panel(
                        "Lead time from commit",
                        "Median and 90th percentile of the time from the earliest commit of a release's files to its "
                        "execution, releases delivered over the last day (only where lead time is enabled).",
                        "release_lead_time_seconds",
                    ),
                    12,
                    8,
                ),
                (
                    timeseries_panel(
                        "Releases by status",
                        "Releases that reached a final status over the last day (a rolling day), by status, every "
                        "workspace, kind and environment.",
                        [
                            (
                                f"sum by (status) (max by ({WS}, status) "
                                f"(workspace:dataworks_releases:increase1d{{{DEP}}}))",
                                "{{status}}",
                            )
                        ],
                        red="failure|fail",
                        stack=True,
                    ),
                    24,
                    8,
                ),
            ],
        ),
    ]
    return dashboard(
        "dataworks-releases",
        "DataWorks / Releases",
        "How often DataWorks releases ship, how often they fail, how long they take and how long from commit to "
        "release, per workspace and environment, from the recording rules of alerts/dataworks.rules.yml.",
        rows,
        project_family="dataworks_releases_total",
    )


def render(board):
    document = json.loads(JSONEncoder(sort_keys=True, indent=2).encode(board.build()))
    for annotation in document.get("annotations", {}).get("list", []):
        annotation.update(PROMETHEUS_ANNOTATION_OPTIONS.get(annotation.get("name"), {}))
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main():
    outputs = {
        "dataworks-deployments.json": deployments(),
        "dataworks-exporter-health.json": exporter_health(),
        "dataworks-pipeline-runs.json": pipeline_runs(),
        "dataworks-releases.json": releases(),
    }
    check = "--check" in sys.argv[1:]
    stale = []
    for name, board in outputs.items():
        text = render(board)
        path = HERE / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print("out of date, run python3 dashboards/generate.py: " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
