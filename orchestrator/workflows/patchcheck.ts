// ktest's patchcheck: the base, then each prefix of the series, built, booted and tested in turn.
import { conclude, runVerdict, type Step } from '../core/patchcheck.js';
import { prefixOf, type Series } from '../core/series.js';
import { isBuilt, type BuildRequest, type KernelTester, type TestRun } from '../engine/tester.js';

export interface PatchcheckOptions extends Omit<BuildRequest, 'series' | 'log'>, TestRun {
  series: Series;
  /** Go on after the first breakage (default: stop there, as ktest does). */
  keepGoing: boolean;
}

async function step(tester: KernelTester, opts: PatchcheckOptions, count: number): Promise<Step> {
  const series = count ? prefixOf(opts.series, count) : undefined;
  const title = count ? opts.series.patches[count - 1].title : 'base';
  opts.log(`patchcheck ${count ? `${count}/${opts.series.total}: ${title}` : 'base'}`);
  const { built, result, seconds } = await tester.built({ ...opts, series }, opts);
  const total = Math.round(seconds.build + seconds.boot + seconds.test);
  if (!isBuilt(built))
    return { index: count, title, verdict: built.kind, reason: built.reason, failing: [], seconds: total };
  return { index: count, title, ...runVerdict(result!), kernel: built.id, seconds: total };
}

export async function patchcheck(opts: PatchcheckOptions, tester: KernelTester): Promise<Step[]> {
  const steps: Step[] = [];
  for (let count = 0; count <= opts.series.patches.length; count++) {
    steps.push(await step(tester, opts, count));
    const found = conclude(steps).kind;
    if (found === 'base-broken' || (!opts.keepGoing && found !== 'none')) break;
  }
  return steps;
}
