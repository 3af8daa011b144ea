import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { createPolicyEvaluationFailedError, createPolicyInvalidError } from './access.errors.js';
import type { PolicyDecision, PolicyEngine, PolicyRequest } from './access.models.js';

export type { PolicyDecision, PolicyEngine, PolicyRequest } from './access.models.js';

/** `policies/` of the package: two levels above this file in `src/` and in `dist/` alike. */
export const defaultPoliciesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../policies');

/*
 * V8 11.3 (Node 20) aborts the whole process ("unreachable code" in
 * Deoptimizer::DoComputeBuiltinContinuation) when TurboFan has inlined the JS-to-Wasm call into the Cedar
 * engine and that code is deoptimized lazily: a few thousand decisions followed by a folder listing were
 * enough. Not inlining JS-to-Wasm calls avoids it at no measurable cost per decision; the flag is read when
 * TurboFan compiles, so setting it before the first decision is early enough.
 */
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

let loadCount = 0;

function describeErrors(errors: readonly { message: string; help?: string | null }[]): string {
  return errors.map((error) => `${error.message}${error.help ? ` (${error.help})` : ''}`).join('; ');
}

/**
 * Reads, splits, names and validates the policy set against the schema (strict mode), then preparses
 * both once. Every policy must carry a unique `@id("…")`: the ids are how a denial is explained.
 * Throws `access.policy_invalid` naming what is wrong; the server does not start without valid policies.
 */
export function loadPolicyEngine({
  policiesDir = defaultPoliciesDir,
}: { policiesDir?: string } = {}): PolicyEngine {
  const schema = readFileSync(join(policiesDir, 'schema.cedarschema'), 'utf8');
  const files = readdirSync(policiesDir)
    .filter((name) => name.endsWith('.cedar'))
    .sort();
  const staticPolicies: Record<string, string> = {};
  for (const file of files) {
    const parts = cedar.policySetTextToParts(readFileSync(join(policiesDir, file), 'utf8'));
    if (parts.type === 'failure') {
      throw createPolicyInvalidError({ message: `${file}: ${describeErrors(parts.errors)}` });
    }
    for (const text of parts.policies) {
      const json = cedar.policyToJson(text);
      const id = json.type === 'success' ? json.json.annotations?.id : undefined;
      if (id === undefined || id === null || id in staticPolicies) {
        throw createPolicyInvalidError({
          message: `${file}: every policy needs a unique @id("…"); found ${id ?? 'none'} in: ${text.slice(0, 80)}`,
        });
      }
      staticPolicies[id] = text;
    }
  }
  const validation = cedar.validate({
    schema,
    policies: { staticPolicies },
    validationSettings: { mode: 'strict' },
  });
  if (validation.type === 'failure') {
    throw createPolicyInvalidError({ message: `policies: ${describeErrors(validation.errors)}` });
  }
  if (validation.validationErrors.length > 0) {
    throw createPolicyInvalidError({
      message: `policies do not validate against the schema: ${validation.validationErrors
        .map((error) => `${error.policyId}: ${error.error.message}`)
        .join('; ')}`,
    });
  }
  // Preparsed sets live in the WebAssembly instance's memory under a name: a fresh name per load.
  loadCount += 1;
  const name = `writ-${loadCount}`;
  const preparsed = [cedar.preparseSchema(name, schema), cedar.preparsePolicySet(name, { staticPolicies })];
  for (const answer of preparsed) {
    if (answer.type === 'failure') throw createPolicyInvalidError({ message: describeErrors(answer.errors) });
  }
  return {
    policyIds: Object.keys(staticPolicies),
    decide: (request) => decide(name, request),
  };
}

const uid = (type: string, id: string) => ({ type: `Writ::${type}`, id });

function decide(name: string, { principal, action, resource, context }: PolicyRequest): PolicyDecision {
  const entities: cedar.EntityJson[] = [
    {
      uid: uid('User', principal.id),
      attrs: { role: principal.role, isComplianceOfficer: principal.isComplianceOfficer },
      parents: [],
    },
  ];
  if (resource.type === 'Document') {
    entities.push(
      {
        uid: uid('Document', resource.id),
        attrs: { classification: resource.classification },
        parents: [uid('Matter', resource.matter.id)],
      },
      {
        uid: uid('Matter', resource.matter.id),
        attrs: { classification: resource.matter.classification },
        parents: [],
      },
    );
  } else if (resource.type === 'Installation') {
    entities.push({ uid: uid('Installation', resource.id), attrs: {}, parents: [] });
  } else {
    entities.push({
      uid: uid('Matter', resource.id),
      attrs: { classification: resource.classification },
      parents: [],
    });
  }
  const answer = cedar.statefulIsAuthorized({
    principal: uid('User', principal.id),
    action: { type: 'Writ::Action', id: action },
    resource: uid(resource.type, resource.id),
    context,
    preparsedSchemaName: name,
    validateRequest: true,
    preparsedPolicySetId: name,
    entities,
  });
  if (answer.type === 'failure') {
    throw createPolicyEvaluationFailedError({ message: `${action}: ${describeErrors(answer.errors)}` });
  }
  const { decision, diagnostics } = answer.response;
  // A policy that errors is skipped by Cedar; for us that is a bug to surface, never a silent allow.
  if (diagnostics.errors.length > 0) {
    throw createPolicyEvaluationFailedError({
      message: `${action}: ${diagnostics.errors.map((error) => `${error.policyId}: ${error.error.message}`).join('; ')}`,
    });
  }
  return { isAllowed: decision === 'allow', reasons: diagnostics.reason };
}
