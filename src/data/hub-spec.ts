import { usageError } from '../errors.ts';
import { MNLI_LABELS } from './labels.ts';

/** A dataset split on the hub: `owner/name[/config]:split`, with the GLUE shorthand `glue/<task>:split`. */
export interface HubSpec {
  repo: string;
  config?: string;
  split: string;
  /** Class names known for this dataset when its files do not declare them. */
  labelNames?: readonly string[];
}

/** GLUE lives at nyu-mll/glue with one folder per task; `glue/mnli` names the task, not a repo. */
const GLUE_REPO = 'nyu-mll/glue';
const GLUE_LABELS: Record<string, readonly string[]> = {
  mnli: MNLI_LABELS,
  mnli_matched: MNLI_LABELS,
  mnli_mismatched: MNLI_LABELS,
  ax: MNLI_LABELS,
};

const SPEC = /^([A-Za-z0-9][\w.-]*)\/([\w.-]+)(?:\/([\w.-]+))?:([\w.-]+)$/;

export function isHubSpec(source: string): boolean {
  return SPEC.test(source);
}

export function parseHubSpec(source: string): HubSpec {
  const match = SPEC.exec(source);
  if (!match) throw usageError(`'${source}' is not a hub dataset (owner/name[/config]:split, e.g. glue/mnli:train)`);
  const [, owner, name, config, split] = match;
  if (owner === 'glue' && config === undefined) return { repo: GLUE_REPO, config: name, split, labelNames: GLUE_LABELS[name] };
  const repo = `${owner}/${name}`;
  return { repo, config, split, labelNames: repo === GLUE_REPO && config ? GLUE_LABELS[config] : undefined };
}
