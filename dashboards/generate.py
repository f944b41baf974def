#!/usr/bin/env python3
"""Writes the Grafana dashboards in this folder: python3 dashboards/generate.py

The JSON files are generated, not hand-edited: change this script and run it again. It builds typed dashboards
with Grafana's dashboards-as-code library, grafana-foundation-sdk (the version pinned in requirements.txt, which
scripts/deps.sh installs). `python3 dashboards/generate.py --check` exits 1 when a committed file differs from what
it would write.

Every query is restricted to the exporter's own series: the job variable lists only jobs that expose
dataworks_exporter_build_info (the exporter's /metrics, not a /probe job, not Prometheus itself or another target),
and "All" means all of those values (no catch-all allValue). Deployment families are deduplicated per deployment
(max by region_id, project, deployment_id) before they are counted, so two replicas count each deployment once.
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


def variables(with_project=True):
    result = [
        builder.DatasourceVariable("datasource").label("Data source").type("prometheus"),
        query_variable("job", "Job", "label_values(dataworks_exporter_build_info, job)"),
        query_variable("instance", "Instance", 'label_values(dataworks_exporter_build_info{job=~"$job"}, instance)'),
    ]
    if with_project:
        result.append(
            query_variable(
                "project",
                "Project",
                'label_values(dataworks_deployment_info{job=~"$job", instance=~"$instance"}, project)',
            )
        )
    return result


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


def stat_panel(title, description, expr, unit="none", steps=None, texts=None):
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


def dashboard(uid, title, description, rows, with_project=True, annotations=()):
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
        .variables(variables(with_project))
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


def deployments():
    table_targets = [
        query(f"max by ({ID}, name, to_environment) (dataworks_deployment_info{{{DEP}}})", ref="A", instant=True, table_format=True),
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
    ]
    status_colors = {"failure": "red", "ready": "orange", "success": "green", "rejected": "purple", "unknown": "gray"}
    deployments_table = (
        table.Panel()
        .title("Deployments")
        .description(
            "Every watched deployment: status, target environment, the failure reason of a failed one (ErrorMessage), "
            "execution latency (ExecuteTime − CreateTime) and age since CreateTime."
        )
        .datasource(DS)
        .targets(table_targets)
        .with_transformation(model.DataTransformerConfig(id_val="merge", options={}))
        .with_transformation(
            model.DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {"Time": True, "Value #A": True, "Value #B": True, "Value #E": True},
                    "indexByName": {
                        "name": 0,
                        "project": 1,
                        "deployment_id": 2,
                        "region_id": 3,
                        "to_environment": 4,
                        "status": 5,
                        "error_message": 6,
                        "Value #C": 7,
                        "Value #D": 8,
                    },
                    "renameByName": {
                        "name": "Name",
                        "project": "Project",
                        "deployment_id": "Deployment",
                        "region_id": "Region",
                        "to_environment": "Target",
                        "status": "Status",
                        "error_message": "Failure reason",
                        "Value #C": "Execution latency",
                        "Value #D": "Age",
                    },
                },
            )
        )
        .override_by_name(
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
        .override_by_name("Execution latency", [model.DynamicConfigValue(id_val="unit", value="s")])
        .override_by_name("Age", [model.DynamicConfigValue(id_val="unit", value="s")])
        .show_header(True)
        .sort_by([common_builder.TableSortByFieldState().display_name("Age").desc(False)])
        .cell_height(common.TableCellHeight.SM)
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


def render(board):
    document = json.loads(JSONEncoder(sort_keys=True, indent=2).encode(board.build()))
    for annotation in document.get("annotations", {}).get("list", []):
        annotation.update(PROMETHEUS_ANNOTATION_OPTIONS.get(annotation.get("name"), {}))
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main():
    outputs = {
        "dataworks-deployments.json": deployments(),
        "dataworks-exporter-health.json": exporter_health(),
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
