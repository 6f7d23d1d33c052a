import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { getHFHubCachePath } from '@huggingface/hub';
import { inputError, usageError } from '../errors.ts';

/** Hub settings from the environment, as huggingface_hub reads them. */
export interface HubSettings {
  endpoint: string;
  /** Never printed, logged or written anywhere: only sent as the Authorization header. */
  token?: string;
  offline: boolean;
  /** The huggingface_hub cache (`$HF_HUB_CACHE`, default `$HF_HOME/hub`). */
  cacheDir: string;
}

export interface HubSettingsOptions {
  offline?: boolean;
  /** A file holding the token (`--token-file`); it wins over the environment. */
  tokenFile?: string;
}

export function hubSettings(options: HubSettingsOptions = {}, env: NodeJS.ProcessEnv = process.env): HubSettings {
  return {
    endpoint: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    token: hubToken(options.tokenFile, env),
    offline: options.offline === true || /^(1|true|yes|on)$/i.test(env.HF_HUB_OFFLINE ?? ''),
    cacheDir: getHFHubCachePath(),
  };
}

/** The token a write (push) needs; a usage error saying where tokens come from when there is none. */
export function requireToken(settings: HubSettings, flag?: string): string {
  if (settings.token) return settings.token;
  throw usageError('pushing needs a Hugging Face token with write access: set HF_TOKEN, pass --token-file FILE, or log in with huggingface-cli (it writes $HF_HOME/token)', flag);
}

export const hfHome = (env: NodeJS.ProcessEnv = process.env): string =>
  env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');

/**
 * The token, in huggingface_hub's order after an explicit --token-file: HF_TOKEN (or the older
 * HUGGING_FACE_HUB_TOKEN), then the file `huggingface-cli login` writes ($HF_TOKEN_PATH, default
 * $HF_HOME/token). Error messages name where a bad token came from, never the token.
 */
function hubToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8');
    } catch (error) {
      throw inputError(`cannot read the token file (${(error as NodeJS.ErrnoException).code})`, { file: tokenFile });
    }
    return checked(text.trim(), `the token file ${tokenFile}`, '--token-file');
  }
  const fromEnv = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  if (fromEnv) return checked(fromEnv, 'HF_TOKEN');
  const loginFile = env.HF_TOKEN_PATH || join(hfHome(env), 'token');
  try {
    const text = readFileSync(loginFile, 'utf8').trim();
    return text ? checked(text, loginFile) : undefined;
  } catch {
    return undefined; // not logged in
  }
}

function checked(token: string, where: string, flag?: string): string {
  if (!token.startsWith('hf_')) {
    throw usageError(`${where} does not hold a Hugging Face token (they start with 'hf_')`, flag);
  }
  return token;
}
