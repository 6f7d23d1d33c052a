import type { HubApiError } from '@huggingface/hub';
import { inputError, runtimeError, type ErrorWhere } from '../errors.ts';
import type { HubSettings } from './settings.ts';

/**
 * One line for a hub HTTP error: 401/403 (the token, or its absence), 404 (which repo, and that private
 * repos need a token), anything else with its status and the hub's own message. Never includes the token.
 */
export function hubApiError(kind: 'dataset' | 'model', repo: string, settings: HubSettings, error: HubApiError, where: ErrorWhere = {}): Error {
  const status = error.statusCode;
  if (status === 401 || status === 403) {
    const hint = settings.token ? 'the token has no access to it' : `set HF_TOKEN (or --token-file, or log in with huggingface-cli) for gated or private ${kind}s`;
    return inputError(`access to ${kind} ${repo} on ${settings.endpoint} was refused (HTTP ${status}); ${hint}`, where);
  }
  if (status === 404) {
    return inputError(`${kind} ${repo} not found on ${settings.endpoint} (HTTP 404; private ${kind}s need a token)`, where);
  }
  // @huggingface/hub appends the request URL (query and all): the endpoint already says where.
  return runtimeError(`the hub at ${settings.endpoint} answered HTTP ${status}: ${error.message.split('\n')[0].replace(/\. URL: \S+$/, '')}`, where, error);
}
