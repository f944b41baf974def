# Helpers shared by scripts/bench and scripts/bench-scale (sourced, not run). They expect $tmp (a scratch directory,
# mode 755 so that nginx's workers can read it), the array pids (processes to stop on exit) and $wrk_seconds.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
rss_mib() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
hwm_mib() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start_nginx FILE: nginx (worker_processes auto, sendfile, temp config on a free loopback port, daemon off) serving
# FILE as /metrics; sets nginx_port and nginx_pid, returns once it answers.
start_nginx() {
    mkdir -p "$tmp/www"
    cp "$1" "$tmp/www/metrics"
    chmod 644 "$tmp/www/metrics"
    nginx_port=$(free_port)
    cat >"$tmp/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $tmp/nginx-body;
    proxy_temp_path $tmp/nginx-proxy;
    fastcgi_temp_path $tmp/nginx-fastcgi;
    uwsgi_temp_path $tmp/nginx-uwsgi;
    scgi_temp_path $tmp/nginx-scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/www;
        default_type text/plain;
    }
}
CONF
    nginx -c "$tmp/nginx.conf" -p "$tmp" &
    nginx_pid=$!
    pids+=("$nginx_pid")
    until curl -fs -o /dev/null "http://127.0.0.1:$nginx_port/metrics"; do
        kill -0 "$nginx_pid" || { cat "$tmp/nginx-error.log"; exit 1; }
        sleep 0.05
    done
}

# run_wrk URL: wrk -t2 -c32 for $wrk_seconds; sets rps, p50, p99 and errors (wrk's non-2xx and socket error lines).
run_wrk() {
    wrk -t2 -c32 -d"${wrk_seconds}s" --timeout 30s --latency "$1" >"$tmp/wrk.out"
    rps=$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk.out")
    p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
    errors=$(awk '/Non-2xx|Socket errors/' "$tmp/wrk.out")
}

# verdict NAME MEASURED UNIT lt|ge TARGET: one line "met" or "MISSED by D"; the name in $verdict_width columns (34).
verdict() {
    local width=${verdict_width:-34}
    if awk -v m="$2" -v t="$5" -v op="$4" 'BEGIN { exit !(op == "lt" ? m < t : m >= t) }'; then
        printf "  %-${width}s %8s %-6s met (target %s %s)\n" "$1" "$2" "$3" "$([ "$4" = lt ] && echo '<' || echo '>=')" "$5"
    else
        printf "  %-${width}s %8s %-6s MISSED by %s (target %s %s)\n" "$1" "$2" "$3" \
            "$(awk -v m="$2" -v t="$5" 'BEGIN { d = m - t; printf "%.2f", d < 0 ? -d : d }')" \
            "$([ "$4" = lt ] && echo '<' || echo '>=')" "$5"
    fi
}
