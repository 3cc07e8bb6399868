# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What the benchmarks share; sourced by scripts/bench-overhead.sh and scripts/bench-paired.sh.

# wrk output -> "requests_per_s p99_ms requests errors" (errors: socket errors + non-2xx)
parse_wrk() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
		if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
		if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
		if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
		return "n/a"
	}
	/Requests\/sec:/ { rps = $2 }
	/^ +99%/ { p99 = ms($2) }
	/requests in/ { req = $1 }
	/Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
	/Non-2xx/ { err += $NF }
	END { printf "%s %s %s %d\n", rps ? rps : "n/a", p99 != "" ? p99 : "n/a", req ? req : 0, err }
	' "$1"
}

# The CPU time (user + system, /proc/PID/stat) of process $1 so far, in seconds.
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f\n", ($12 + $13) / hz }' "/proc/$1/stat"
}
