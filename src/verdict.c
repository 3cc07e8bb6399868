// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "verdict.h"

/* Thresholds (docs/verdict.md): chosen so a leak of ~1 MB/s is called within 20 s, while a
 * cache that fills up and stops, or the noise of a busy heap, is not. */
#define MIN_POINTS 5
#define MIN_SPAN_S 4.0
#define MAX_WINDOWS 8
#define MIN_WINDOWS 4
#define LEAK_RISE_SHARE 0.66	  /* of the window-to-window steps that must go up */
#define LEAK_MIN_RISE (2 << 20)	  /* bytes, floor to floor */
#define LEAK_MIN_RISE_SHARE 0.10 /* of the first floor */
#define LEAK_MIN_SLOPE (512 << 10) /* bytes/s: slower is "growing" (record longer) */
#define GROWING_MIN_RISE (1 << 20)
#define STEP_NOISE (64 << 10)	  /* a floor that moves less than this did not move */
#define MIN_FULL 3		  /* mark-compacts needed to call anything a leak */

const char *verdict__name(enum verdict v)
{
	switch (v) {
	case VERDICT_STABLE: return "stable";
	case VERDICT_GROWING: return "growing";
	case VERDICT_LEAK: return "leak";
	default: return "unknown";
	}
}

/* The floor of each of `w` equal time windows: the least heap seen after a collection in it
 * (a minor GC leaves old garbage behind; the least value is the closest to "live"). */
static int window_floors(const struct heap_point *p, size_t n, int w, int only_full, double *t,
			 double *floor)
{
	double t0 = p[0].ts_ns / 1e9, span = (p[n - 1].ts_ns - p[0].ts_ns) / 1e9;
	int used = 0;

	for (int i = 0; i < w; i++) {
		double lo = t0 + span * i / w, hi = t0 + span * (i + 1) / w, best = -1;

		for (size_t j = 0; j < n; j++) {
			double tj = p[j].ts_ns / 1e9;

			if (tj < lo || (tj >= hi && i != w - 1) || !p[j].heap_after ||
			    (only_full && !p[j].full))
				continue;
			if (best < 0 || p[j].heap_after < best)
				best = p[j].heap_after;
		}
		if (best < 0)
			continue;
		t[used] = (lo + hi) / 2 - t0;
		floor[used++] = best;
	}
	return used;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Theil-Sen: the median of the slopes between every pair of floors.  One odd collection (a
 * floor far off the line, seen once in CI) moves it little, where least squares would follow. */
static double slope_of(const double *x, const double *y, int n)
{
	double s[MAX_WINDOWS * (MAX_WINDOWS - 1) / 2];
	int k = 0;

	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (x[j] > x[i])
				s[k++] = (y[j] - y[i]) / (x[j] - x[i]);
	if (!k)
		return 0;
	qsort(s, k, sizeof(*s), cmp_double);
	return k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
}

/*
 * Few mark-compacts: V8 grows the old generation rather than compact it while memory is
 * plentiful, so a steady leak may see one or two in 20 s.  Then the scavenges' floors must
 * have risen at every step, by half the starting heap at least, and no mark-compact in the
 * second half may have brought the heap back below the middle of that rise (a cache that
 * filled and stopped has its dead entries freed by the next mark-compact).
 */
static int scavenge_leak(const struct heap_point *p, size_t n, const struct verdict_result *v,
			 double rise)
{
	double mid_t = (p[0].ts_ns + p[n - 1].ts_ns) / 2e9;

	if (v->rises < v->steps || rise < LEAK_MIN_RISE || rise < 0.5 * v->first_floor)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i].full && p[i].heap_after && p[i].ts_ns / 1e9 >= mid_t &&
		    p[i].heap_after < v->first_floor + rise / 2)
			return 0;
	return 1;
}

/* After a scavenge the heap still holds every dead old object; only a mark-compact shows
 * what is really live.  So a leak is called on mark-compacts alone; with too few of them the
 * scavenges' floors (least value per time window) can say "growing" at most. */
void verdict__judge(const struct heap_point *points, size_t n, struct verdict_result *out)
{
	double t[MAX_WINDOWS], floor[MAX_WINDOWS], rise;
	size_t known = 0, full = 0;
	int w, used;

	*out = (struct verdict_result){ .verdict = VERDICT_UNKNOWN };
	for (size_t i = 0; i < n; i++) {
		known += points[i].heap_after != 0;
		full += points[i].heap_after != 0 && points[i].full;
	}
	out->span_s = n ? (points[n - 1].ts_ns - points[0].ts_ns) / 1e9 : 0;
	if (known < MIN_POINTS || out->span_s < MIN_SPAN_S) {
		snprintf(out->evidence, sizeof(out->evidence),
			 "%zu collections with a heap size over %.1f s: too few to judge (at least %d "
			 "over %.0f s)",
			 known, out->span_s, MIN_POINTS, MIN_SPAN_S);
		return;
	}
	out->full = full >= MIN_FULL;
	if (out->full) {
		w = full < MAX_WINDOWS ? (int)full : MAX_WINDOWS;
		used = window_floors(points, n, w, 1, t, floor);
		/* Mark-compacts bunched in time (two in one second, then none: V8 often runs
		 * them back to back) give too few windows to see a trend: judge on the
		 * scavenges then, by the stricter rules of scavenge_leak(). */
		if (used < MIN_FULL)
			out->full = 0;
	}
	if (!out->full) {
		w = known / 2 < MAX_WINDOWS ? (int)(known / 2) : MAX_WINDOWS;
		used = window_floors(points, n, w, 0, t, floor);
	}
	if (used < (out->full ? MIN_FULL : MIN_WINDOWS)) {
		snprintf(out->evidence, sizeof(out->evidence),
			 "collections bunched in %d of %d time windows: too few to judge", used, w);
		return;
	}
	out->slope_bytes_per_s = slope_of(t, floor, used);
	out->first_floor = floor[0];
	out->last_floor = floor[used - 1];
	out->steps = used - 1;
	for (int i = 1; i < used; i++)
		out->rises += floor[i] > floor[i - 1] + STEP_NOISE;
	/* the rise along the robust slope, not last minus first: one odd floor at either end
	 * must not decide */
	rise = out->slope_bytes_per_s * (t[used - 1] - t[0]);
	if (out->slope_bytes_per_s >= LEAK_MIN_SLOPE && out->full &&
	    out->rises >= LEAK_RISE_SHARE * out->steps && rise >= LEAK_MIN_RISE &&
	    rise >= LEAK_MIN_RISE_SHARE * out->first_floor)
		out->verdict = VERDICT_LEAK;
	else if (out->slope_bytes_per_s >= LEAK_MIN_SLOPE && !out->full &&
		 scavenge_leak(points, n, out, rise))
		out->verdict = VERDICT_LEAK;
	else if (rise >= GROWING_MIN_RISE && out->slope_bytes_per_s > 0)
		out->verdict = VERDICT_GROWING;
	else
		out->verdict = VERDICT_STABLE;
	snprintf(out->evidence, sizeof(out->evidence),
		 "heap after %s rose in %d of %d steps, %.1f MB -> %.1f MB over %.1f s (%+.2f MB/s)%s",
		 out->full ? "mark-compact" : "GC (floor per window)", out->rises, out->steps,
		 out->first_floor / 1048576.0, out->last_floor / 1048576.0, out->span_s,
		 out->slope_bytes_per_s / 1048576.0,
		 out->full ? "" : full < MIN_FULL ? "; fewer than 3 mark-compacts: judged on scavenges"
					: "; mark-compacts bunched in time: judged on scavenges");
}
