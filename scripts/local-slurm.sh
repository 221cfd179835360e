#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for testing sweeps with --backend slurm.
#   scripts/local-slurm.sh start    install slurm-wlm and munge if missing, write the config, start
#                                   munged, slurmctld and slurmd, wait until the node is idle
#   scripts/local-slurm.sh stop     stop the three daemons (by their PID files) and remove the state
#   scripts/local-slurm.sh status   print whether it runs, and sinfo
# Needs root (the daemons run as root; SlurmUser=root). The config goes to /etc/slurm/slurm.conf,
# the default place, so sbatch and squeue need no setting; a config this script did not write is
# never replaced. State, logs and PID files live under $LOCAL_SLURM_DIR (default /tmp/local-slurm).
set -euo pipefail

state_dir=${LOCAL_SLURM_DIR:-/tmp/local-slurm}
conf=/etc/slurm/slurm.conf
marker="# written by density-workbench scripts/local-slurm.sh"
munge_key=/etc/munge/munge.key

die() {
    echo "local-slurm: $*" >&2
    exit 1
}

install_missing() {
    local missing=()
    command -v slurmctld >/dev/null || missing+=(slurm-wlm)
    command -v munged >/dev/null || missing+=(munge)
    [ ${#missing[@]} -eq 0 ] && return
    echo "local-slurm: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } ||
        die "could not install ${missing[*]} with apt-get"
}

write_config() {
    if [ -e "$conf" ] && ! grep -qxF "$marker" "$conf"; then
        die "$conf exists and was not written by this script; not replacing it"
    fi
    mkdir -p /etc/slurm "$state_dir"/{ctld,d,log,run}
    local tmp
    tmp=$(mktemp /etc/slurm/.slurm.conf.XXXXXX)
    cat >"$tmp" <<EOF
$marker
ClusterName=localcluster
SlurmctldHost=localhost
AuthType=auth/munge
SlurmUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$state_dir/ctld
SlurmdSpoolDir=$state_dir/d
SlurmctldPidFile=$state_dir/run/slurmctld.pid
SlurmdPidFile=$state_dir/run/slurmd.pid
SlurmctldLogFile=$state_dir/log/slurmctld.log
SlurmdLogFile=$state_dir/log/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
KillWait=5
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    chmod 644 "$tmp"
    mv "$tmp" "$conf"
}

start_munge() {
    if [ ! -s "$munge_key" ]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom bs=1 count=1024 of="$munge_key" status=none
    fi
    chmod 400 "$munge_key"
    mkdir -p "$state_dir/munge" /run/munge
    chown -R root:root /etc/munge "$state_dir/munge" /run/munge
    pid_alive "$state_dir/run/munged.pid" && return
    # --force: munged otherwise refuses to run as root or with a world-readable /tmp parent.
    munged --force --key-file="$munge_key" --pid-file="$state_dir/run/munged.pid" \
        --log-file="$state_dir/log/munged.log" --seed-file="$state_dir/munge/munged.seed" \
        --socket=/run/munge/munge.socket.2
}

pid_alive() {
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

wait_idle() {
    local i
    for i in $(seq 1 60); do
        if [ "$(sinfo --noheader --nodes=localhost --format=%t 2>/dev/null | tr -d ' ')" = idle ]; then
            return 0
        fi
        # A node left DOWN by an earlier run is brought back.
        scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true
        sleep 1
    done
    sinfo >&2 || true
    die "the node did not become idle in 60 s (logs in $state_dir/log)"
}

start() {
    [ "$(id -u)" -eq 0 ] || die "needs root"
    install_missing
    write_config
    start_munge
    pid_alive "$state_dir/run/slurmctld.pid" || slurmctld
    pid_alive "$state_dir/run/slurmd.pid" || slurmd
    wait_idle
    echo "local-slurm: running (state and logs in $state_dir)" >&2
}

stop_by_pid_file() {
    local file=$1 pid i
    [ -s "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$file"
}

stop() {
    stop_by_pid_file "$state_dir/run/slurmd.pid"
    stop_by_pid_file "$state_dir/run/slurmctld.pid"
    stop_by_pid_file "$state_dir/run/munged.pid"
    if [ -e "$conf" ] && grep -qxF "$marker" "$conf"; then
        rm -f "$conf"
    fi
    rm -rf "$state_dir"
    echo "local-slurm: stopped" >&2
}

status() {
    local name rc=0
    for name in munged slurmctld slurmd; do
        if pid_alive "$state_dir/run/$name.pid"; then
            echo "$name: running (pid $(cat "$state_dir/run/$name.pid"))"
        else
            echo "$name: not running"
            rc=1
        fi
    done
    [ $rc -eq 0 ] && sinfo
    return $rc
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*) die "usage: $0 start|stop|status" ;;
esac
