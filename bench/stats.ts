// Summaries of timing samples: the median and tail percentiles the report
// quotes. Percentiles use linear interpolation between the two nearest ranks
// (numpy's default), so that small N still gives a value between real
// samples rather than always the maximum; with N=1 every figure is that sample.
export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export const median = (samples: number[]) => percentile(samples, 50);

const round = (x: number) => Math.round(x * 100) / 100;

export function summarize(samples: number[]): Summary {
  const n = samples.length;
  return {
    n,
    median: round(median(samples)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    min: round(n ? Math.min(...samples) : NaN),
    max: round(n ? Math.max(...samples) : NaN),
    mean: round(n ? samples.reduce((a, b) => a + b, 0) / n : NaN),
  };
}
