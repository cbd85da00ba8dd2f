# shellcheck shell=bash
# Helpers shared by scripts/run, scripts/test and scripts/stop. Source it; don't run it.
#
# What "preparation" means here (every step is idempotent and fast when already done):
#   1. Debian packages (apt only when one is missing),
#   2. a project-local PostgreSQL 15 cluster and RabbitMQ node, unless POSTGRES_URL / AMQP_URL are given,
#   3. swift build into a scratch path outside the clone.
#
# Knobs (environment):
#   SALESDESK_LOCAL_DIR       where run state lives (default: <repo>/.local)
#   SALESDESK_BUILD_PATH      SwiftPM scratch path (default: /var/cache/salesdesk/build)
#   SALESDESK_CONFIGURATION   debug (default) or release, for scripts/run
#   POSTGRES_URL / AMQP_URL   use these servers instead of the local ones (all services share them)

SALESDESK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SALESDESK_LOCAL_DIR="${SALESDESK_LOCAL_DIR:-$SALESDESK_ROOT/.local}"
SALESDESK_BUILD_PATH="${SALESDESK_BUILD_PATH:-/var/cache/salesdesk/build}"
SALESDESK_CONFIGURATION="${SALESDESK_CONFIGURATION:-debug}"
SALESDESK_RUN_DIR="$SALESDESK_LOCAL_DIR/run"
SALESDESK_LOG_DIR="$SALESDESK_LOCAL_DIR/logs"

SALESDESK_SERVICES=(gateway customers deals approvals notifications reporting)
SALESDESK_APT_PACKAGES=(postgresql postgresql-contrib rabbitmq-server librabbitmq-dev libqrencode-dev zbar-tools wrk docker-compose curl)

# PostgreSQL (local cluster)
SALESDESK_PG_PORT=54329
SALESDESK_PG_BIN=/usr/lib/postgresql/15/bin
SALESDESK_PG_SOCKET_DIR=/var/run/postgresql
SALESDESK_PG_ADMIN_URL="postgres://salesdesk_admin:salesdesk-admin@127.0.0.1:$SALESDESK_PG_PORT/salesdesk"

# RabbitMQ (local node)
SALESDESK_AMQP_PORT=5673
SALESDESK_RMQ_NODENAME=salesdesk@localhost
SALESDESK_RMQ_DIST_PORT=25673
SALESDESK_AMQP_LOCAL_URL="amqp://salesdesk:salesdesk-local@127.0.0.1:$SALESDESK_AMQP_PORT/salesdesk"

# Service HTTP ports (health/ready/metrics; the gateway's is also the API).
sd_http_port() {
    case "$1" in
        gateway) echo 8080 ;;
        customers) echo 8081 ;;
        deals) echo 8082 ;;
        approvals) echo 8083 ;;
        notifications) echo 8084 ;;
        reporting) echo 8085 ;;
        *) sd_die "unknown service $1" ;;
    esac
}

# ---------------------------------------------------------------------------------------------- output

sd_log() { printf '[salesdesk] %s\n' "$*" >&2; }
sd_die() {
    printf '[salesdesk] error: %s\n' "$*" >&2
    exit 1
}
# sd_timed LABEL CMD...: runs CMD, logs how long it took.
sd_timed() {
    local label=$1 start=$SECONDS
    shift
    "$@"
    sd_log "$label: done in $((SECONDS - start)) s"
}

# -------------------------------------------------------------------------------------------- generic

sd_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

sd_require_root() {
    [[ $EUID -eq 0 ]] || sd_die "this needs root (it installs packages and runs PostgreSQL/RabbitMQ as their system users)"
}

sd_ensure_swift_on_path() {
    if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
        PATH="$PATH:/opt/swift/usr/bin"
        export PATH
    fi
    command -v swift >/dev/null 2>&1 || sd_die "swift is not on PATH"
}

sd_embedded_postgres() { [[ -z ${POSTGRES_URL:-} ]]; }
sd_embedded_rabbitmq() { [[ -z ${AMQP_URL:-} ]]; }

# ------------------------------------------------------------------------------------------- packages

# sd_ensure_packages [PACKAGE...]: installs the Debian packages (default: SALESDESK_APT_PACKAGES) that are missing.
sd_ensure_packages() {
    local missing=() p wanted=("$@")
    ((${#wanted[@]} > 0)) || wanted=("${SALESDESK_APT_PACKAGES[@]}")
    for p in "${wanted[@]}"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    sd_require_root
    sd_log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -q
    # --no-install-recommends: docker-compose would otherwise pull a Docker engine in.
    apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
}

# sd_ensure_pypi MODULE [PACKAGE]: installs PACKAGE (default MODULE) from PyPI unless python3 can import MODULE.
sd_ensure_pypi() {
    local module=$1 package=${2:-$1}
    if python3 -c "import $module" >/dev/null 2>&1; then
        return 0
    fi
    sd_log "installing $package from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "$package" \
        || python3 -m pip install --quiet --disable-pip-version-check "$package"
}

# The Kubernetes manifests are rendered with kubectl's kustomize and validated with kubernetes-validate (PyPI, it
# bundles Kubernetes' schemas): deploy/kubernetes/validate. kubectl comes from Debian's kubernetes-client when the
# machine has none.
sd_ensure_kubernetes_tools() {
    command -v kubectl >/dev/null 2>&1 || sd_ensure_packages kubernetes-client
    sd_ensure_pypi kubernetes_validate kubernetes-validate
}

# schemathesis (PyPI) fuzzes the live gateway against openapi.yaml in the end-to-end tests.
sd_ensure_schemathesis() { sd_ensure_pypi schemathesis; }

# The browser tests drive Debian's headless Chromium through chromium-driver with selenium (PyPI); Pillow (PyPI) makes
# and reads the camera photos of the field steps. fonts-noto-cjk: without it the Chinese in the screenshots shows as boxes.
SALESDESK_BROWSER_PACKAGES=(chromium chromium-driver fonts-noto-cjk)
sd_ensure_browser() {
    sd_ensure_packages "${SALESDESK_BROWSER_PACKAGES[@]}"
    sd_ensure_pypi selenium
    sd_ensure_pypi PIL pillow
}

# ---------------------------------------------------------------------------------- server directory

# PostgreSQL and RabbitMQ run as their own system users, so their data must sit on a path those users
# can traverse. <clone>/.local is used when possible; otherwise (e.g. a clone under /root) the data goes
# to /var/lib/salesdesk/<hash of the clone path>/.
sd_resolve_server_dir() {
    if [[ -n ${SALESDESK_SERVER_DIR:-} ]]; then
        return 0
    fi
    mkdir -p "$SALESDESK_LOCAL_DIR"
    if runuser -u postgres -- test -x "$SALESDESK_LOCAL_DIR" 2>/dev/null \
        && runuser -u rabbitmq -- test -x "$SALESDESK_LOCAL_DIR" 2>/dev/null; then
        SALESDESK_SERVER_DIR="$SALESDESK_LOCAL_DIR"
    else
        local hash
        hash="$(printf '%s' "$SALESDESK_LOCAL_DIR" | sha256sum | cut -c1-12)"
        SALESDESK_SERVER_DIR="/var/lib/salesdesk/$hash"
        mkdir -p "$SALESDESK_SERVER_DIR"
        chmod 755 /var/lib/salesdesk "$SALESDESK_SERVER_DIR"
        printf '%s\n' "$SALESDESK_LOCAL_DIR" >"$SALESDESK_SERVER_DIR/owner"
        sd_log "note: $SALESDESK_LOCAL_DIR is not reachable by the postgres/rabbitmq users;" \
            "their data lives in $SALESDESK_SERVER_DIR instead"
    fi
    SALESDESK_PGDATA="$SALESDESK_SERVER_DIR/postgres"
    SALESDESK_PG_LOG="$SALESDESK_SERVER_DIR/postgres.log"
    SALESDESK_RMQ_DIR="$SALESDESK_SERVER_DIR/rabbitmq"
}

# ------------------------------------------------------------------------------------------ PostgreSQL

# Runs a command as postgres from / (postgres may not be able to read the caller's working directory).
sd_as_postgres() { (cd / && runuser -u postgres -- "$@"); }

sd_pg_ctl() { sd_as_postgres "$SALESDESK_PG_BIN/pg_ctl" -D "$SALESDESK_PGDATA" "$@"; }

sd_pg_running() {
    [[ -s "$SALESDESK_PGDATA/PG_VERSION" ]] && sd_pg_ctl status >/dev/null 2>&1
}

sd_pg_init() {
    if [[ -s "$SALESDESK_PGDATA/PG_VERSION" ]]; then
        return 0
    fi
    if [[ -e "$SALESDESK_PGDATA" ]]; then
        sd_log "removing an incomplete PostgreSQL data directory $SALESDESK_PGDATA"
        rm -rf "$SALESDESK_PGDATA"
    fi
    sd_log "initdb: new PostgreSQL 15 cluster in $SALESDESK_PGDATA"
    install -d -o postgres -g postgres -m 700 "$SALESDESK_PGDATA"
    sd_as_postgres "$SALESDESK_PG_BIN/initdb" -D "$SALESDESK_PGDATA" -U postgres \
        --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$SALESDESK_PGDATA/postgresql.conf" <<EOF

# --- SalesDesk local cluster (written by scripts/lib.sh) ---
listen_addresses = '127.0.0.1'
port = $SALESDESK_PG_PORT
unix_socket_directories = '$SALESDESK_PG_SOCKET_DIR'
password_encryption = scram-sha-256
# A dozen end-to-end systems (six services, a pool each) run side by side in the parallel test step.
max_connections = 1000
EOF
}

sd_pg_start() {
    sd_pg_init
    install -d -o postgres -g postgres -m 2775 "$SALESDESK_PG_SOCKET_DIR"
    if sd_pg_running; then
        sd_log "PostgreSQL: already running on 127.0.0.1:$SALESDESK_PG_PORT ($SALESDESK_PGDATA)"
        return 0
    fi
    if sd_port_open "$SALESDESK_PG_PORT"; then
        sd_die "port $SALESDESK_PG_PORT is taken by something other than the cluster in $SALESDESK_PGDATA"
    fi
    touch "$SALESDESK_PG_LOG"
    chown postgres:postgres "$SALESDESK_PG_LOG"
    sd_log "PostgreSQL: starting on 127.0.0.1:$SALESDESK_PG_PORT (log: $SALESDESK_PG_LOG)"
    # setsid: the server must outlive this script and its process group. The settings are given here, not in
    # postgresql.conf, so a cluster made by an older version of this script gets them too. pg_stat_statements is loaded
    # (it costs little) so benchmarks/run can profile the statements the services send; CREATE EXTENSION in a database
    # exposes them.
    if ! (cd / && setsid -w runuser -u postgres -- "$SALESDESK_PG_BIN/pg_ctl" -D "$SALESDESK_PGDATA" \
        -l "$SALESDESK_PG_LOG" -o "-c max_connections=1000 -c shared_preload_libraries=pg_stat_statements" \
        -w -t 60 start >/dev/null); then
        tail -n 30 "$SALESDESK_PG_LOG" >&2 || true
        sd_die "PostgreSQL did not start"
    fi
}

# Roles, database and grants. deploy/postgres/init.sql is idempotent and also used by docker-compose.
sd_pg_provision() {
    sd_as_postgres env PGOPTIONS='-c client_min_messages=warning' psql -X -q -h "$SALESDESK_PG_SOCKET_DIR" -p "$SALESDESK_PG_PORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -f - <"$SALESDESK_ROOT/deploy/postgres/init.sql" >/dev/null
}

sd_pg_stop() {
    if sd_pg_running; then
        sd_log "PostgreSQL: stopping"
        sd_pg_ctl -m fast -w stop >/dev/null
    fi
}

# -------------------------------------------------------------------------------------------- RabbitMQ

# The environment that names the local node. The server and rabbitmqctl both need it; Debian's
# /usr/sbin wrappers run them as the rabbitmq user (HOME=/var/lib/rabbitmq, so that user's Erlang
# cookie), passing the environment through.
sd_rmq_env() {
    SALESDESK_RMQ_ENV=(
        "RABBITMQ_NODENAME=$SALESDESK_RMQ_NODENAME"
        "RABBITMQ_NODE_PORT=$SALESDESK_AMQP_PORT"
        "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
        "RABBITMQ_DIST_PORT=$SALESDESK_RMQ_DIST_PORT"
        "RABBITMQ_MNESIA_BASE=$SALESDESK_RMQ_DIR/mnesia"
        "RABBITMQ_LOG_BASE=$SALESDESK_RMQ_DIR/log"
        "RABBITMQ_ENABLED_PLUGINS_FILE=$SALESDESK_RMQ_DIR/enabled_plugins"
    )
    if [[ -z ${SALESDESK_RMQCTL:-} ]]; then
        SALESDESK_RMQCTL=/usr/sbin/rabbitmqctl
    fi
}

sd_rmqctl() { env "${SALESDESK_RMQ_ENV[@]}" $SALESDESK_RMQCTL "$@"; }

# The command line tests use to control the node (SALESDESK_TEST_RABBITMQCTL).
sd_rmqctl_command_line() {
    echo "env RABBITMQ_NODENAME=$SALESDESK_RMQ_NODENAME RABBITMQ_NODE_PORT=$SALESDESK_AMQP_PORT" \
        "RABBITMQ_DIST_PORT=$SALESDESK_RMQ_DIST_PORT $SALESDESK_RMQCTL"
}

sd_rmq_running() { sd_rmqctl -q status >/dev/null 2>&1; }

sd_rmq_registered() {
    local names
    names="$(epmd -names 2>/dev/null || true)"
    grep -q "^name ${SALESDESK_RMQ_NODENAME%@*} " <<<"$names"
}

sd_rmq_start() {
    sd_rmq_env
    if sd_rmq_running; then
        sd_log "RabbitMQ: node $SALESDESK_RMQ_NODENAME already running, reusing it (amqp port $SALESDESK_AMQP_PORT)"
        return 0
    fi
    if sd_rmq_registered; then
        # Someone started the node as root directly (root's Erlang cookie): try that rabbitmqctl.
        SALESDESK_RMQCTL="env HOME=/root /usr/lib/rabbitmq/bin/rabbitmqctl"
        if sd_rmq_running; then
            sd_log "RabbitMQ: node $SALESDESK_RMQ_NODENAME already running (started as root), reusing it"
            return 0
        fi
        sd_die "a node named $SALESDESK_RMQ_NODENAME is registered with epmd but rabbitmqctl cannot reach it" \
            "(different Erlang cookie?); stop it first"
    fi
    if sd_port_open "$SALESDESK_AMQP_PORT"; then
        sd_die "port $SALESDESK_AMQP_PORT is taken by something other than the RabbitMQ node $SALESDESK_RMQ_NODENAME"
    fi
    mkdir -p "$SALESDESK_RMQ_DIR/mnesia" "$SALESDESK_RMQ_DIR/log"
    if [[ ! -f "$SALESDESK_RMQ_DIR/enabled_plugins" ]]; then
        echo '[].' >"$SALESDESK_RMQ_DIR/enabled_plugins"
    fi
    chown -R rabbitmq:rabbitmq "$SALESDESK_RMQ_DIR"
    sd_log "RabbitMQ: starting node $SALESDESK_RMQ_NODENAME on 127.0.0.1:$SALESDESK_AMQP_PORT (logs: $SALESDESK_RMQ_DIR/log)"
    # -detached daemonizes the Erlang VM; setsid keeps it out of this script's process group anyway.
    (cd / && env "${SALESDESK_RMQ_ENV[@]}" setsid -w /usr/sbin/rabbitmq-server -detached) \
        >>"$SALESDESK_RMQ_DIR/log/startup.log" 2>&1 || sd_die "rabbitmq-server -detached failed; see $SALESDESK_RMQ_DIR/log"
    # await_startup exits 69 at once until the node has registered: loop with a deadline.
    local deadline=$((SECONDS + 90)) rc
    while :; do
        rc=0
        sd_rmqctl -q await_startup --timeout 60 >/dev/null 2>&1 || rc=$?
        if ((rc == 0)); then
            break
        fi
        if ((SECONDS >= deadline)); then
            tail -n 30 "$SALESDESK_RMQ_DIR/log/$SALESDESK_RMQ_NODENAME.log" >&2 2>/dev/null || true
            sd_die "RabbitMQ did not start within 90 s (last rabbitmqctl await_startup exit code $rc)"
        fi
        sleep 1
    done
}

# vhost salesdesk, user salesdesk/salesdesk-local with full rights on it.
sd_rmq_provision() {
    local perms
    perms="$(sd_rmqctl -q list_permissions -p salesdesk 2>/dev/null || true)"
    # Provisioned already: full rights for salesdesk, and the service users with the permissions and policies of the
    # scripts as they are now. The scripts' checksum is kept beside the node's data: when a change gives a service a
    # new event type, a node set up before it is provisioned again (else its publisher is refused and its outbox stops).
    local marker="$SALESDESK_RMQ_DIR/provisioned.sha256" wanted
    wanted="$(cat "$SALESDESK_ROOT/deploy/rabbitmq/service-users" "$SALESDESK_ROOT/deploy/rabbitmq/policies" | sha256sum | cut -d' ' -f1)"
    if grep -Eq '^salesdesk[[:space:]]+\.\*[[:space:]]+\.\*[[:space:]]+\.\*[[:space:]]*$' <<<"$perms" &&
        grep -Eq '^reporting[[:space:]]' <<<"$perms" &&
        [[ -f $marker && $(cat "$marker") == "$wanted" ]]; then
        return 0
    fi
    sd_log "RabbitMQ: creating vhost salesdesk and user salesdesk"
    local vhosts users
    vhosts="$(sd_rmqctl -q list_vhosts)"
    if ! grep -qx salesdesk <<<"$vhosts"; then
        sd_rmqctl -q add_vhost salesdesk >/dev/null
    fi
    users="$(sd_rmqctl -q list_users)"
    if awk '{print $1}' <<<"$users" | grep -qx salesdesk; then
        sd_rmqctl -q change_password salesdesk salesdesk-local >/dev/null
    else
        sd_rmqctl -q add_user salesdesk salesdesk-local >/dev/null
    fi
    sd_rmqctl -q set_permissions -p salesdesk salesdesk '.*' '.*' '.*' >/dev/null
    sd_log "RabbitMQ: one user per service, permitted only its own queues"
    RABBITMQCTL="$(sd_rmqctl_command_line)" "$SALESDESK_ROOT/deploy/rabbitmq/service-users" salesdesk --create-users
    sd_log "RabbitMQ: policies (sales.unroutable keeps at most 10,000 messages)"
    RABBITMQCTL="$(sd_rmqctl_command_line)" "$SALESDESK_ROOT/deploy/rabbitmq/policies" salesdesk
    echo "$wanted" >"$marker"
}

sd_rmq_stop() {
    sd_rmq_env
    if sd_rmq_running; then
        sd_log "RabbitMQ: stopping node $SALESDESK_RMQ_NODENAME"
        sd_rmqctl -q shutdown >/dev/null 2>&1 || true
    fi
    # epmd refuses to die while any node is registered, so this only cleans up after the last one.
    local names
    names="$(epmd -names 2>/dev/null || true)"
    if ! grep -q '^name ' <<<"$names"; then
        epmd -kill >/dev/null 2>&1 || true
    fi
}

# ----------------------------------------------------------------------------------------- preparation

# Packages, servers (unless external URLs are given), provisioning. Sets nothing that tests read;
# see sd_export_test_env.
sd_prepare_servers() {
    local start=$SECONDS
    sd_require_root
    sd_timed "packages" sd_ensure_packages
    sd_ensure_swift_on_path
    mkdir -p "$SALESDESK_LOCAL_DIR" "$SALESDESK_RUN_DIR" "$SALESDESK_LOG_DIR"
    if sd_embedded_postgres || sd_embedded_rabbitmq; then
        sd_resolve_server_dir
    fi
    if sd_embedded_postgres; then
        sd_timed "PostgreSQL" sd_pg_start
        sd_pg_provision
    else
        sd_log "PostgreSQL: using POSTGRES_URL from the environment"
    fi
    if sd_embedded_rabbitmq; then
        sd_timed "RabbitMQ" sd_rmq_start
        sd_rmq_provision
    else
        sd_log "RabbitMQ: using AMQP_URL from the environment"
    fi
    sd_log "servers ready in $((SECONDS - start)) s"
}

# sd_build [extra swift build flags...]: builds and sets SALESDESK_BIN_DIR.
sd_build() {
    local config=${SALESDESK_BUILD_CONFIGURATION:-$SALESDESK_CONFIGURATION} start=$SECONDS
    if [[ ${SALESDESK_SKIP_BUILD:-} == 1 ]]; then
        # Prebuilt executables (e.g. copied from elsewhere): SALESDESK_BIN_DIR must name their folder.
        [[ -n ${SALESDESK_BIN_DIR:-} ]] || sd_die "SALESDESK_SKIP_BUILD=1 needs SALESDESK_BIN_DIR"
        sd_log "build: skipped (SALESDESK_SKIP_BUILD=1), executables from $SALESDESK_BIN_DIR"
        export SALESDESK_BIN_DIR
        return 0
    fi
    case "$config" in
        debug | release) ;;
        *) sd_die "SALESDESK_CONFIGURATION must be debug or release, not '$config'" ;;
    esac
    mkdir -p "$SALESDESK_BUILD_PATH"
    sd_log "building ($config) into $SALESDESK_BUILD_PATH"
    (cd "$SALESDESK_ROOT" && swift build --scratch-path "$SALESDESK_BUILD_PATH" -c "$config" "$@") || return 1
    SALESDESK_BIN_DIR="$(cd "$SALESDESK_ROOT" && swift build --scratch-path "$SALESDESK_BUILD_PATH" -c "$config" --show-bin-path)" \
        || return 1
    export SALESDESK_BIN_DIR
    sd_log "build: done in $((SECONDS - start)) s ($SALESDESK_BIN_DIR)"
}

sd_postgres_url_for() {
    if sd_embedded_postgres; then
        echo "postgres://$1:salesdesk-$1@127.0.0.1:$SALESDESK_PG_PORT/salesdesk"
    else
        echo "$POSTGRES_URL"
    fi
}

# The broker URL a service connects with: its own user locally (least privilege), AMQP_URL when given.
sd_amqp_url() {
    if sd_embedded_rabbitmq; then
        if [[ -n ${1:-} ]]; then
            echo "amqp://$1:salesdesk-$1@127.0.0.1:$SALESDESK_AMQP_PORT/salesdesk"
        else
            echo "$SALESDESK_AMQP_LOCAL_URL"
        fi
    else
        echo "$AMQP_URL"
    fi
}

# --------------------------------------------------------------------------------------- process state

sd_pid_file() { echo "$SALESDESK_RUN_DIR/$1.pid"; }

# Prints the pid if the service's pid file names a live process running that service's binary.
sd_service_pid() {
    local file pid
    file="$(sd_pid_file "$1")"
    [[ -f $file ]] || return 1
    pid="$(cat "$file" 2>/dev/null || true)"
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    local cmdline
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    grep -q "/$1\( \|$\)" <<<"$cmdline" || return 1
    echo "$pid"
}

sd_stop_services() {
    local svc pid pids=() deadline
    for svc in "${SALESDESK_SERVICES[@]}"; do
        if pid="$(sd_service_pid "$svc")"; then
            sd_log "stopping $svc (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
        rm -f "$(sd_pid_file "$svc")"
    done
    deadline=$((SECONDS + 15))
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            sd_log "pid $pid did not stop in time; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
}
