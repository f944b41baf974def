#!/usr/bin/env python3
"""Writes the Grafana dashboards in this folder: python3 dashboards/generate.py

The JSON files are generated, not hand-edited: change this script and run it again (standard library only).
`python3 dashboards/generate.py --check` exits 1 when a committed file differs from what it would write.
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
DS = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39

# Selectors used by every query; the variables chain datasource -> job -> instance -> project.
EXP = 'job=~"$job", instance=~"$instance"'
DEP = EXP + ', project=~"$project"'
ID = "region_id, project, deployment_id"


def variables(with_project=True):
    result = [
        {
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
            "refresh": 1,
            "regex": "",
        },
        query_variable("job", "Job", "label_values(dataworks_up, job)"),
        query_variable("instance", "Instance", 'label_values(dataworks_up{job=~"$job"}, instance)'),
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
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "definition": query,
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "includeAll": True,
        "allValue": ".+",
        "multi": True,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
        "hide": 0,
        "regex": "",
    }


def target(expr, legend="__auto", ref="A", instant=False, fmt="time_series", hide=False):
    result = {
        "datasource": DS,
        "expr": expr,
        "legendFormat": legend,
        "refId": ref,
        "range": not instant,
        "instant": instant,
        "format": fmt,
        "editorMode": "code",
    }
    if hide:
        result["hide"] = True
    return result


class Layout:
    """Places panels on the 24-column grid, left to right, then the next row; ids count up."""

    def __init__(self):
        self.x = 0
        self.y = 0
        self.row_height = 0
        self.next_id = 1
        self.panels = []

    def add(self, panel, w, h):
        if self.x + w > 24:
            self.x = 0
            self.y += self.row_height
            self.row_height = 0
        panel["id"] = self.next_id
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.next_id += 1
        self.x += w
        self.row_height = max(self.row_height, h)
        self.panels.append(panel)

    def row(self, title):
        if self.x > 0:
            self.x = 0
            self.y += self.row_height
            self.row_height = 0
        self.panels.append(
            {
                "type": "row",
                "title": title,
                "id": self.next_id,
                "collapsed": False,
                "panels": [],
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
            }
        )
        self.next_id += 1
        self.y += 1


def stat(title, description, expr, unit="none", thresholds=None, mappings=None):
    steps = thresholds or [{"color": "green", "value": None}]
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": [target(expr, legend="", instant=True)],
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "color": {"mode": "thresholds"},
                "thresholds": {"mode": "absolute", "steps": steps},
                "mappings": mappings or [],
            },
            "overrides": [],
        },
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "none",
            "textMode": "value",
            "justifyMode": "auto",
            "orientation": "auto",
        },
    }


def timeseries(title, description, targets, unit="short", overrides=None, stack=False):
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": [
            target(expr, legend=legend, ref=chr(ord("A") + index)) for index, (expr, legend) in enumerate(targets)
        ],
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "color": {"mode": "palette-classic"},
                "custom": {
                    "drawStyle": "line",
                    "lineWidth": 1,
                    "fillOpacity": 10,
                    "showPoints": "never",
                    "spanNulls": False,
                    "stacking": {"mode": "normal" if stack else "none", "group": "A"},
                },
            },
            "overrides": overrides or [],
        },
        "options": {
            "legend": {"displayMode": "table", "placement": "bottom", "showLegend": True, "calcs": ["lastNotNull", "max"]},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    }


def red_series(pattern):
    return {
        "matcher": {"id": "byRegexp", "options": pattern},
        "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}],
    }


def dashboard(uid, title, description, tags, panels, with_project=True):
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": tags,
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "weekStart": "",
        "links": [
            {
                "title": "DataWorks dashboards",
                "type": "dashboards",
                "tags": ["dataworks"],
                "asDropdown": False,
                "includeVars": True,
                "keepTime": True,
                "icon": "external link",
                "targetBlank": False,
                "tooltip": "",
                "url": "",
            }
        ],
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        "templating": {"list": variables(with_project)},
        "panels": panels,
    }


def status_selector(status):
    return f'max by ({ID}) (dataworks_deployment_status{{{DEP}, status="{status}"}}) == 1'


def created_age():
    return f"time() - max by ({ID}) (dataworks_deployment_create_timestamp_seconds{{{DEP}}})"


def deployments():
    layout = Layout()
    red_at_one = [{"color": "green", "value": None}, {"color": "red", "value": 1}]
    orange_at_one = [{"color": "green", "value": None}, {"color": "orange", "value": 1}]
    layout.row("Now")
    layout.add(
        stat(
            "Failed",
            "Deployments whose current status is failure.",
            f"count({status_selector('failure')}) or vector(0)",
            thresholds=red_at_one,
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "Stuck in ready > 1h",
            "Deployments still in status ready more than an hour after they were created.",
            f"count(({status_selector('ready')}) and on ({ID}) ({created_age()} > 3600)) or vector(0)",
            thresholds=orange_at_one,
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "Ready",
            "Deployments waiting in status ready.",
            f"count({status_selector('ready')}) or vector(0)",
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "Watched",
            "Deployments the exporter has data for.",
            f"count(max by ({ID}) (dataworks_deployment_info{{{DEP}}})) or vector(0)",
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "Stale > 15m",
            "Deployments whose last refresh failed and whose last good data is more than 15 minutes old (as the "
            "DataWorksDeploymentDataStale alert); a finished deployment that is not due yet is not stale.",
            f"count(max by ({ID}) (dataworks_deployment_fetch_success{{{DEP}}}) == 0 unless on ({ID}) "
            f"(time() - max by ({ID}) (dataworks_deployment_last_fetch_success_timestamp_seconds{{{DEP}}}) <= 900))"
            " or vector(0)",
            thresholds=orange_at_one,
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "DataWorks API",
            "dataworks_up: 1 if the last collection of every exporter instance fetched every deployment.",
            f"min(dataworks_up{{{EXP}}})",
            thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}],
            mappings=[{"type": "value", "options": {"0": {"text": "DOWN"}, "1": {"text": "UP"}}}],
        ),
        4,
        4,
    )

    layout.row("Deployments")
    table = {
        "type": "table",
        "title": "Deployments",
        "description": "Every watched deployment: status, target environment, execution latency (ExecuteTime − "
        "CreateTime) and age since CreateTime.",
        "datasource": DS,
        "targets": [
            target(
                f"max by ({ID}, name, to_environment) (dataworks_deployment_info{{{DEP}}})",
                ref="A",
                instant=True,
                fmt="table",
            ),
            target(
                f"max by ({ID}, status) (dataworks_deployment_status{{{DEP}}} == 1)",
                ref="B",
                instant=True,
                fmt="table",
            ),
            target(
                f"max by ({ID}) (dataworks_deployment_execution_latency_seconds{{{DEP}}})",
                ref="C",
                instant=True,
                fmt="table",
            ),
            target(created_age(), ref="D", instant=True, fmt="table"),
        ],
        "transformations": [
            {"id": "merge", "options": {}},
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True, "Value #A": True, "Value #B": True},
                    "indexByName": {
                        "name": 0,
                        "project": 1,
                        "deployment_id": 2,
                        "region_id": 3,
                        "to_environment": 4,
                        "status": 5,
                        "Value #C": 6,
                        "Value #D": 7,
                    },
                    "renameByName": {
                        "name": "Name",
                        "project": "Project",
                        "deployment_id": "Deployment",
                        "region_id": "Region",
                        "to_environment": "Target",
                        "status": "Status",
                        "Value #C": "Execution latency",
                        "Value #D": "Age",
                    },
                },
            },
        ],
        "fieldConfig": {
            "defaults": {"custom": {"align": "auto", "cellOptions": {"type": "auto"}}},
            "overrides": [
                {
                    "matcher": {"id": "byName", "options": "Status"},
                    "properties": [
                        {"id": "custom.cellOptions", "value": {"type": "color-background"}},
                        {
                            "id": "mappings",
                            "value": [
                                {
                                    "type": "value",
                                    "options": {
                                        "failure": {"color": "red", "index": 0},
                                        "ready": {"color": "orange", "index": 1},
                                        "success": {"color": "green", "index": 2},
                                        "rejected": {"color": "purple", "index": 3},
                                        "unknown": {"color": "gray", "index": 4},
                                    },
                                }
                            ],
                        },
                    ],
                },
                {"matcher": {"id": "byName", "options": "Execution latency"}, "properties": [{"id": "unit", "value": "s"}]},
                {"matcher": {"id": "byName", "options": "Age"}, "properties": [{"id": "unit", "value": "s"}]},
            ],
        },
        "options": {"showHeader": True, "sortBy": [{"displayName": "Age", "desc": False}], "cellHeight": "sm"},
    }
    layout.add(table, 24, 9)
    layout.add(
        timeseries(
            "Deployments by status",
            "How many watched deployments are in each status.",
            [(f"sum by (status) (dataworks_deployment_status{{{DEP}}})", "{{status}}")],
            overrides=[red_series("failure")],
            stack=True,
        ),
        12,
        8,
    )
    layout.add(
        timeseries(
            "Data freshness",
            "Seconds since each deployment was last fetched successfully.",
            [
                (
                    f"time() - max by ({ID}) (dataworks_deployment_last_fetch_success_timestamp_seconds{{{DEP}}})",
                    "{{project}}/{{deployment_id}}",
                )
            ],
            unit="s",
        ),
        12,
        8,
    )

    layout.row("DataWorks API")
    layout.add(
        timeseries(
            "API requests and errors by code",
            "Requests per second to the DataWorks API, and failed ones by error code; throttling codes in red.",
            [
                (f"sum(rate(dataworks_api_requests_total{{{EXP}}}[$__rate_interval]))", "requests"),
                (f"sum by (code) (rate(dataworks_api_errors_total{{{EXP}}}[$__rate_interval]))", "{{code}}"),
            ],
            unit="reqps",
            overrides=[red_series("Throttling.*")],
        ),
        12,
        8,
    )
    layout.add(
        timeseries(
            "Throttling",
            "Throttled answers per second: flow control (Throttling, Throttling.User, Throttling.System, Throttling.Api) "
            "and the daily "
            "quota (Throttling.Api.Risk, Throttling.Resource).",
            [
                (
                    f'sum by (code) (rate(dataworks_api_errors_total{{{EXP}, code=~"Throttling.*"}}[$__rate_interval]))',
                    "{{code}}",
                ),
                (
                    f"sum by (reason) (rate(dataworks_api_retries_total{{{EXP}}}[$__rate_interval]))",
                    "retry: {{reason}}",
                ),
            ],
            unit="reqps",
            overrides=[red_series("Throttling.*")],
        ),
        12,
        8,
    )
    layout.add(
        timeseries(
            "API latency",
            "Quantiles of the DataWorks API request duration.",
            [
                (
                    f"histogram_quantile({q}, sum by (le) (rate(dataworks_api_request_duration_seconds_bucket{{{EXP}}}[$__rate_interval])))",
                    f"p{int(q * 100)}",
                )
                for q in (0.5, 0.95, 0.99)
            ],
            unit="s",
        ),
        12,
        8,
    )
    layout.add(
        timeseries(
            "Collection duration against its budget",
            "How long each exporter's last collection took, and its time budget (the scrape timeout minus the offset).",
            [
                (f"max by (instance) (dataworks_scrape_duration_seconds{{{EXP}}})", "{{instance}} duration"),
                (f"max by (instance) (dataworks_scrape_timeout_seconds{{{EXP}}})", "{{instance}} budget"),
            ],
            unit="s",
        ),
        12,
        8,
    )
    return dashboard(
        "dataworks-deployments",
        "DataWorks / Deployments",
        "Alibaba Cloud DataWorks release packages (deployments) watched by dataworks-exporter.",
        ["dataworks", "dataworks-exporter"],
        layout.panels,
    )


def exporter_health():
    layout = Layout()
    layout.row("Status")
    layout.add(
        stat(
            "Scrape",
            "up: whether Prometheus reaches every exporter instance.",
            f"min(up{{{EXP}}})",
            thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}],
            mappings=[{"type": "value", "options": {"0": {"text": "DOWN"}, "1": {"text": "UP"}}}],
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "DataWorks API",
            "dataworks_up: 1 if the last collection fetched every deployment.",
            f"min(dataworks_up{{{EXP}}})",
            thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}],
            mappings=[{"type": "value", "options": {"0": {"text": "DOWN"}, "1": {"text": "UP"}}}],
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "Config loaded",
            "dataworks_exporter_config_last_reload_successful: 0 when the last configuration load failed.",
            f"min(dataworks_exporter_config_last_reload_successful{{{EXP}}})",
            thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}],
            mappings=[{"type": "value", "options": {"0": {"text": "FAILED"}, "1": {"text": "OK"}}}],
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "Config age",
            "Time since the configuration was last loaded successfully.",
            f"time() - max(dataworks_exporter_config_last_reload_success_timestamp_seconds{{{EXP}}})",
            unit="s",
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "Uptime",
            "Time since the oldest exporter process started.",
            f"time() - min(process_start_time_seconds{{{EXP}}})",
            unit="s",
        ),
        4,
        4,
    )
    layout.add(
        stat(
            "Fetch success",
            "Share of the deployments fetched by the last collection.",
            f"avg(dataworks_deployment_fetch_success{{{DEP}}})",
            unit="percentunit",
            thresholds=[{"color": "red", "value": None}, {"color": "orange", "value": 0.5}, {"color": "green", "value": 1}],
        ),
        4,
        4,
    )
    layout.add(
        {
            "type": "table",
            "title": "Build",
            "description": "dataworks_exporter_build_info of each instance.",
            "datasource": DS,
            "targets": [
                target(
                    f"max by (instance, version, revision, swiftversion) (dataworks_exporter_build_info{{{EXP}}})",
                    instant=True,
                    fmt="table",
                )
            ],
            "transformations": [
                {"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True}, "renameByName": {}}}
            ],
            "fieldConfig": {"defaults": {}, "overrides": []},
            "options": {"showHeader": True, "cellHeight": "sm"},
        },
        24,
        5,
    )

    layout.row("Collection")
    layout.add(
        timeseries(
            "Collection duration against its budget",
            "The exporter's last collection and its time budget, next to the duration of Prometheus' scrape.",
            [
                (f"max by (instance) (dataworks_scrape_duration_seconds{{{EXP}}})", "{{instance}} collection"),
                (f"max by (instance) (dataworks_scrape_timeout_seconds{{{EXP}}})", "{{instance}} budget"),
                (f"max by (instance) (scrape_duration_seconds{{{EXP}}})", "{{instance}} scrape"),
            ],
            unit="s",
        ),
        12,
        8,
    )
    layout.add(
        timeseries(
            "Deployments fetched",
            "Share of the deployments fetched successfully by each instance's last collection.",
            [(f"avg by (instance) (dataworks_deployment_fetch_success{{{DEP}}})", "{{instance}}")],
            unit="percentunit",
        ),
        12,
        8,
    )
    layout.add(
        timeseries(
            "API requests by action",
            "Requests per second to the DataWorks API, retries included.",
            [(f"sum by (action) (rate(dataworks_api_requests_total{{{EXP}}}[$__rate_interval]))", "{{action}}")],
            unit="reqps",
        ),
        8,
        8,
    )
    layout.add(
        timeseries(
            "API errors by code",
            "Failed DataWorks API requests per second, by error code; throttling codes in red.",
            [(f"sum by (code) (rate(dataworks_api_errors_total{{{EXP}}}[$__rate_interval]))", "{{code}}")],
            unit="reqps",
            overrides=[red_series("Throttling.*")],
        ),
        8,
        8,
    )
    layout.add(
        timeseries(
            "API retries by reason",
            "Requests sent again after a retryable failure, per second.",
            [(f"sum by (reason) (rate(dataworks_api_retries_total{{{EXP}}}[$__rate_interval]))", "{{reason}}")],
            unit="reqps",
        ),
        8,
        8,
    )

    layout.row("Process")
    layout.add(
        timeseries(
            "CPU",
            "CPU seconds used per second.",
            [(f"rate(process_cpu_seconds_total{{{EXP}}}[$__rate_interval])", "{{instance}}")],
            unit="percentunit",
        ),
        8,
        8,
    )
    layout.add(
        timeseries(
            "Memory",
            "Resident memory.",
            [(f"process_resident_memory_bytes{{{EXP}}}", "{{instance}}")],
            unit="bytes",
        ),
        8,
        8,
    )
    layout.add(
        timeseries(
            "File descriptors",
            "Open file descriptors against the limit.",
            [(f"process_open_fds{{{EXP}}} / process_max_fds{{{EXP}}}", "{{instance}}")],
            unit="percentunit",
        ),
        8,
        8,
    )
    return dashboard(
        "dataworks-exporter-health",
        "DataWorks / Exporter health",
        "dataworks-exporter itself: scrapes, collections against their budget, DataWorks API traffic, configuration "
        "and process.",
        ["dataworks", "dataworks-exporter"],
        layout.panels,
    )


def main():
    outputs = {
        "dataworks-deployments.json": deployments(),
        "dataworks-exporter-health.json": exporter_health(),
    }
    check = "--check" in sys.argv[1:]
    stale = []
    for name, board in outputs.items():
        text = json.dumps(board, indent=2, ensure_ascii=False) + "\n"
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
