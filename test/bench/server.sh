# server.sh: one server process at a time for the bench scripts (sourced by
# gateway.sh and compare.sh, which set $tmp and $me).
#
#   server_start NAME FIRST LAST CMD...   starts CMD with "$port" free in
#       FIRST-LAST exported as SERVER_PORT (CMD reads it), its output in
#       $tmp/NAME.log; sets server_pid and server_port once the port listens;
#       a CMD that cannot bind its port is tried again on the next one
#   server_stop [STRICT]                   SIGTERM, then waits up to 15 s;
#       with STRICT a non-zero exit fails the run
#
# A server that dies before or during its run fails the run with the end of
# its log.

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

server_fail() {
	echo "$me: the server ($server_name) $1:" >&2
	tail -n 40 "$tmp/$server_name.log" >&2
	exit 1
}

server_start() {
	local first=$2 last=$3 p
	server_name=$1
	shift 3
	server_port=
	for p in $(seq "$first" "$last"); do
		port_free "$p" || continue
		server_port=$p
		SERVER_PORT=$server_port "$@" >"$tmp/$server_name.log" 2>&1 &
		server_pid=$!
		for _ in $(seq 300); do
			if ! kill -0 "$server_pid" 2>/dev/null; then
				# The port can be taken by a client socket's ephemeral port
				# (net.ipv4.ip_local_port_range covers the bench ports): the next.
				wait "$server_pid" 2>/dev/null || true
				grep -Eqi 'EADDRINUSE|address already in use|binding' "$tmp/$server_name.log" && continue 2
				server_fail "exited during startup"
			fi
			port_free "$server_port" || return 0
			sleep 0.1
		done
		server_fail "did not listen on port $server_port within 30 s"
	done
	echo "$me: no free port in $first-$last" >&2
	exit 1
}

server_stop() {
	local status=0
	if ! kill -0 "$server_pid" 2>/dev/null; then
		wait "$server_pid" || status=$?
		server_fail "died during the run (exit status $status)"
	fi
	kill -TERM "$server_pid"
	for _ in $(seq 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$server_pid" 2>/dev/null; then
		kill -KILL "$server_pid" 2>/dev/null || true
		[ -n "${1:-}" ] && server_fail "did not stop within 15 s of SIGTERM"
		echo "$me: the server ($server_name) did not stop within 15 s of SIGTERM; killed" >&2
	fi
	wait "$server_pid" || status=$?
	server_pid=
	[ -z "${1:-}" ] || [ "$status" = 0 ] || server_fail "exited with status $status after SIGTERM"
	return 0
}
