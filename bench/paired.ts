/**
 * Paired timing of two alternatives on a noisy machine (bench/latency.ts): rounds of A B B A (and
 * B A A B every other round), so that a drift inside a round and the position in it hit both
 * alike; each round gives one ratio A / B of the two means, and the summary is the median of those
 * ratios with its interquartile range. A ratio of medians would mix slow rounds of one with fast
 * rounds of the other; a per-round ratio compares runs taken under the same load.
 */

export interface PairedSummary {
  /** Rounds measured. */
  readonly rounds: number;
  /** Median seconds per run of A and of B (over every run). */
  readonly a: number;
  readonly b: number;
  /** Median, first and third quartile of the per-round ratios A / B. */
  readonly ratio: number;
  readonly q1: number;
  readonly q3: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of `xs` by linear interpolation between order statistics. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
}

/** The order in which round `r` runs A (0) and B (1): A B B A on even rounds, B A A B on odd ones. */
export function roundOrder(r: number): readonly (0 | 1)[] {
  return r % 2 === 0 ? [0, 1, 1, 0] : [1, 0, 0, 1];
}

/** Summarizes per-round times: `perRound[r]` = [A's runs, B's runs] of round r, in seconds. */
export function summarize(perRound: readonly (readonly [readonly number[], readonly number[]])[]): PairedSummary {
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ratios = perRound.map(([a, b]) => mean(a) / mean(b));
  return {
    rounds: perRound.length,
    a: quantile(perRound.flatMap(([a]) => a), 0.5),
    b: quantile(perRound.flatMap(([, b]) => b), 0.5),
    ratio: quantile(ratios, 0.5),
    q1: quantile(ratios, 0.25),
    q3: quantile(ratios, 0.75),
  };
}

export interface PairedOptions {
  /** Warm-up runs of each before timing (default 3). */
  readonly warmup?: number;
  /** Seconds of timed runs to aim for (default 8); the rounds follow from a warm-up run's time. */
  readonly budget?: number;
  /** Fewest and most rounds (default 11 and 41). */
  readonly minRounds?: number;
  readonly maxRounds?: number;
  /** Seconds one timed sample should last at least: fast models repeat the run inside a sample (default 0.02). */
  readonly minSample?: number;
}

/** Times `a` and `b` (async, e.g. two sessions' runs) in paired rounds; see the module comment. */
export async function pairedTiming(a: () => Promise<unknown>, b: () => Promise<unknown>, options: PairedOptions = {}): Promise<PairedSummary & { repeat: number }> {
  const { perRound, repeat } = await pairedRounds(a, b, options);
  return { ...summarize(perRound), repeat };
}

/** The per-round times of `pairedTiming` ([A's runs, B's runs] per round), to pool over several pairs. */
export async function pairedRounds(a: () => Promise<unknown>, b: () => Promise<unknown>, options: PairedOptions = {}): Promise<{ perRound: [number[], number[]][]; repeat: number }> {
  const fns = [a, b] as const;
  const time = async (f: () => Promise<unknown>, times: number): Promise<number> => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < times; i++) await f();
    return Number(process.hrtime.bigint() - t) / 1e9 / times;
  };
  let once = Infinity;
  for (let i = 0; i < (options.warmup ?? 3); i++) {
    for (const f of fns) once = Math.min(once, await time(f, 1));
  }
  if (!Number.isFinite(once)) once = await time(a, 1);
  const repeat = Math.max(1, Math.ceil((options.minSample ?? 0.02) / Math.max(once, 1e-6)));
  const perRoundSeconds = 4 * repeat * once;
  const rounds = Math.min(options.maxRounds ?? 41, Math.max(options.minRounds ?? 11, Math.ceil((options.budget ?? 8) / perRoundSeconds)));
  const perRound: [number[], number[]][] = [];
  for (let r = 0; r < rounds; r++) {
    const got: [number[], number[]] = [[], []];
    for (const which of roundOrder(r)) got[which].push(await time(fns[which], repeat));
    perRound.push(got);
  }
  return { perRound, repeat };
}
