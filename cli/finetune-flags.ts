import type { ParseArgsConfig } from 'node:util';
import { usageError } from '../src/errors.ts';
import {
  CONFIG_FLAGS,
  defaultFinetuneConfig,
  parseConfigField,
  parseValidationSpecs,
  type FinetuneConfig,
} from '../src/run/config.ts';

/** The one place the finetune flags are declared: `finetune` and `train` both parse these. */

type ConfigField = keyof FinetuneConfig;
type FlagOption = NonNullable<ParseArgsConfig['options']>[string];

/** On/off fields (`--resume`, `--offline`, …): those whose default is a boolean. */
const BOOLEAN_FIELDS: ReadonlySet<ConfigField> = new Set(
  (Object.entries(defaultFinetuneConfig()) as [ConfigField, unknown][]).filter(([, v]) => typeof v === 'boolean').map(([field]) => field),
);

/** Flag name without dashes (the util.parseArgs key) → the config field it sets. */
export const FLAG_FIELDS: Readonly<Record<string, ConfigField>> = Object.fromEntries(
  (Object.entries(CONFIG_FLAGS) as [ConfigField, string][]).map(([field, flag]) => [flag.slice(2), field]),
);

/** util.parseArgs options for every FinetuneConfig field (`--validation` repeatable, `--resume` etc. boolean). */
export const FINETUNE_FLAG_OPTIONS: Record<string, FlagOption> = Object.fromEntries(
  Object.entries(FLAG_FIELDS).map(([name, field]): [string, FlagOption] => {
    if (BOOLEAN_FIELDS.has(field)) return [name, { type: 'boolean' }];
    if (field === 'validation') return [name, { type: 'string', multiple: true }];
    return [name, { type: 'string' }];
  }),
) satisfies NonNullable<ParseArgsConfig['options']>;

export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * Builds a FinetuneConfig from parsed flag values: defaults first, then each given flag checked by
 * parseConfigField (so errors name the flag). Keys that are not finetune flags (`json`, `help`, …) are ignored.
 */
export function configFromFlags(values: FlagValues, base: FinetuneConfig = defaultFinetuneConfig()): FinetuneConfig {
  const config: FinetuneConfig = { ...base, validation: { ...base.validation } };
  // The base's validation set belongs to its training data: other --train data (or a held-out split)
  // without --validation gets none, never the bundled set.
  if ((values.train !== undefined || values['validation-split'] !== undefined) && values.validation === undefined) config.validation = {};
  const writable = config as unknown as Record<ConfigField, unknown>;
  for (const [name, value] of Object.entries(values)) {
    const field = FLAG_FIELDS[name];
    if (!field || value === undefined) continue;
    if (field === 'validation') {
      const specs = (Array.isArray(value) ? value : [value]).map(String);
      config.validation = parseValidationSpecs(specs);
    } else if (BOOLEAN_FIELDS.has(field)) {
      writable[field] = value === true || value === 'true';
    } else {
      writable[field] = parseConfigField(field, String(value));
    }
  }
  // Settings of the mlp head's hidden layer would be silently unused by the linear head.
  for (const name of ['dropout', 'mlp-hidden']) {
    if (values[name] !== undefined && config.head !== 'mlp') {
      throw usageError('applies only to --head mlp (the linear head has no hidden layer); add --head mlp or leave it out', `--${name}`);
    }
  }
  return config;
}
