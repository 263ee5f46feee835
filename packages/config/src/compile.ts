// The one compiler: validates postfleet.io/v1alpha1 resources (from YAML files
// or the Kubernetes API), checks them against each other and produces the
// RuntimeConfig every service reads. Reports every fault, not just the first.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  ACCESS_ACTIONS,
  normalizeAddressKey,
  normalizeDomain,
  parseCidr,
  parseNetwork,
} from '@postfleet/maps';
import {
  API_GROUP_VERSION,
  RESOURCE_KINDS,
  metadataSchema,
  resourceKinds,
  type AccessMapSpec,
  type AddressMapSpec,
  type MailDomainSpec,
  type MailPolicySpec,
  type MailUserSpec,
  type Resource,
  type ResourceKind,
} from './resources.ts';
import type { EffectivePolicy, ListenerName, RuntimeConfig } from './runtime.ts';
import { ConfigCompileError, formatFieldPath, type ConfigError } from './errors.ts';
import { parseRestriction, policyGuardsRelay, RestrictionSyntaxError } from './restrictions.ts';
import { CHECK_ACTIONS, checkAction, checkRegexpPattern } from './patterns.ts';
import {
  globalSettingDefaults,
  listenerDefaults,
  parseGlobalSetting,
  policyDefaults,
  type PolicyDefaults,
} from './settings.ts';

export interface ConfigDocument {
  /** File name, or "k8s". */
  source: string;
  /** The parsed document: anything; it is validated here. */
  resource: unknown;
}

/** A valid config may come with warnings (risky but legal settings), never with errors. */
export type CompileResult =
  { config: RuntimeConfig; warnings: ConfigError[] } | { errors: ConfigError[] };

export const LISTENERS: readonly ListenerName[] = ['smtp', 'submission', 'submissions'];

const RESTRICTION_FIELDS = [
  'smtpd_client_restrictions',
  'smtpd_helo_restrictions',
  'smtpd_sender_restrictions',
  'smtpd_relay_restrictions',
  'smtpd_recipient_restrictions',
  'smtpd_data_restrictions',
] as const;

const CHECK_FIELDS = [
  'header_checks',
  'mime_header_checks',
  'nested_header_checks',
  'body_checks',
] as const;

interface Located<K extends ResourceKind = ResourceKind> {
  source: string;
  resource: Resource<K>;
}

const documentSchemas = Object.fromEntries(
  RESOURCE_KINDS.map((kind) => [
    kind,
    z.object({
      apiVersion: z.literal(API_GROUP_VERSION),
      kind: z.literal(kind),
      metadata: metadataSchema,
      spec: resourceKinds[kind],
      status: z.unknown().optional(),
    }),
  ]),
) as unknown as Record<ResourceKind, z.ZodType>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Validates one document against its kind's schema; pushes its errors and returns null when invalid. */
function validateDocument(doc: ConfigDocument, errors: ConfigError[]): Located | null {
  const raw = asRecord(doc.resource);
  const kind = str(raw?.kind);
  const name = str(asRecord(raw?.metadata)?.name);
  const at = (field: string, message: string) =>
    errors.push({ source: doc.source, kind, name, field, message });
  if (!raw) {
    at('', 'document is not a mapping (expected apiVersion, kind, metadata, spec)');
    return null;
  }
  if (!(RESOURCE_KINDS as string[]).includes(kind)) {
    at('kind', `unknown kind "${kind}" (expected one of ${RESOURCE_KINDS.join(', ')})`);
    return null;
  }
  const k = kind as ResourceKind;
  const before = errors.length;
  const parsed = documentSchemas[k].safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) at(formatFieldPath('', issue.path), issue.message);
  }
  for (const key of Object.keys(raw)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key))
      at(key, 'unknown field');
  }
  const spec = asRecord(raw.spec);
  if (spec) {
    const known = Object.keys((resourceKinds[k] as z.ZodObject).shape);
    for (const key of Object.keys(spec)) {
      if (!known.includes(key)) at(`spec.${key}`, 'unknown field');
    }
  }
  if (!parsed.success || errors.length > before) return null;
  return { source: doc.source, resource: parsed.data as Resource };
}

/** A cidr_table(5) pattern exactly as the lookup table will parse it (host bits must be zero). */
function cidrPatternError(pattern: string): string | null {
  try {
    parseCidr(pattern.trim());
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The resource-by-resource and cross-resource checks that zod cannot express. */
function crossCheck(all: Located[], errors: ConfigError[], warnings: ConfigError[]): void {
  const problem = (to: ConfigError[]) => (l: Located, field: string, message: string) =>
    to.push({
      source: l.source,
      kind: l.resource.kind,
      name: l.resource.metadata.name,
      field,
      message,
    });
  const at = problem(errors);
  const warn = problem(warnings);
  const of = <K extends ResourceKind>(kind: K) =>
    all.filter((l): l is Located<K> => l.resource.kind === kind);

  const names = new Map<string, Located>();
  for (const l of all) {
    const key = `${l.resource.kind}/${l.resource.metadata.name}`;
    const first = names.get(key);
    if (first) at(l, 'metadata.name', `duplicate ${key} (first defined in ${first.source})`);
    else names.set(key, l);
  }

  const hosted = new Map<string, MailDomainSpec['class']>();
  const domainOwner = new Map<string, Located>();
  for (const l of of('MailDomain')) {
    const spec = l.resource.spec;
    const d = normalizeDomain(spec.domain);
    const first = domainOwner.get(d);
    if (first) {
      at(
        l,
        'spec.domain',
        `domain ${d} is already defined by MailDomain/${first.resource.metadata.name}`,
      );
    } else {
      domainOwner.set(d, l);
      hosted.set(d, spec.class);
    }
    if (spec.relayHost !== undefined && spec.class !== 'relay') {
      at(l, 'spec.relayHost', 'relayHost is only allowed with class relay');
    }
    if (spec.catchAll !== undefined && !/^[^@\s]+@[^@\s]+$/.test(spec.catchAll)) {
      at(l, 'spec.catchAll', 'not an address of the form local@domain');
    }
    for (const local of Object.keys(spec.aliases ?? {})) {
      if (local.includes('@') || !local)
        at(l, `spec.aliases.${local}`, 'alias keys are local parts, without @domain');
    }
  }

  const isHosted = (address: string) => {
    const c = hosted.get(normalizeDomain(address.slice(address.lastIndexOf('@') + 1)));
    return c === 'local' || c === 'virtual';
  };
  const addresses = new Map<string, Located>();
  for (const l of of('MailUser')) {
    const spec = l.resource.spec;
    if (spec.passwordSecretRef && spec.passwordHash) {
      at(l, 'spec.passwordHash', 'set passwordSecretRef or passwordHash, not both');
    }
    const own: [string, string][] = [
      ['spec.address', spec.address],
      ...(spec.aliases ?? []).map((a, n): [string, string] => [`spec.aliases[${n}]`, a]),
    ];
    for (const [field, address] of own) {
      if (!isHosted(address)) {
        at(l, field, `domain of ${address} is not hosted: no MailDomain of class local or virtual`);
      }
      const key = address.toLowerCase();
      const first = addresses.get(key);
      if (first)
        at(l, field, `${address} already belongs to MailUser/${first.resource.metadata.name}`);
      else addresses.set(key, l);
    }
  }

  for (const l of of('AccessMap')) {
    l.resource.spec.entries.forEach((e, i) => {
      const type = l.resource.spec.type;
      const cidrError = type === 'cidr' ? cidrPatternError(e.pattern) : null;
      if (cidrError) at(l, `spec.entries[${i}].pattern`, cidrError);
      if (type === 'regexp' || type === 'pcre')
        checkPattern(l, `spec.entries[${i}].pattern`, e.pattern, at);
      const bad = checkAction(e.action, ACCESS_ACTIONS, 'access(5) action');
      if (bad !== null && !isRestrictionList(e.action)) at(l, `spec.entries[${i}].action`, bad);
    });
  }
  for (const l of of('AddressMap')) {
    const type = l.resource.spec.type;
    if (type !== 'regexp' && type !== 'pcre') continue;
    l.resource.spec.entries.forEach((e, i) =>
      checkPattern(l, `spec.entries[${i}].pattern`, e.pattern, at),
    );
  }

  const accessMaps = new Set(of('AccessMap').map((l) => l.resource.metadata.name));
  const addressMaps = new Map(
    of('AddressMap').map((l) => [l.resource.metadata.name, l.resource.spec.kind] as const),
  );
  const byListener = new Map<string, Located>();
  for (const l of of('MailPolicy')) {
    const spec = l.resource.spec;
    const first = byListener.get(spec.listener);
    if (first) {
      at(
        l,
        'spec.listener',
        `listener ${spec.listener} already has MailPolicy/${first.resource.metadata.name}`,
      );
    } else byListener.set(spec.listener, l);
    for (const field of RESTRICTION_FIELDS) {
      (spec[field] ?? []).forEach((rule, i) => {
        try {
          const r = parseRestriction(rule);
          if ('map' in r && !accessMaps.has(r.map)) {
            at(l, `spec.${field}[${i}]`, `unknown AccessMap "${r.map}"`);
          }
        } catch (err) {
          if (!(err instanceof RestrictionSyntaxError)) throw err;
          at(l, `spec.${field}[${i}]`, err.message);
        }
      });
    }
    for (const field of CHECK_FIELDS) {
      (spec[field] ?? []).forEach((e, i) => {
        checkPattern(l, `spec.${field}[${i}].pattern`, e.pattern, at);
        const bad = checkAction(e.action, CHECK_ACTIONS, `${field} action`);
        if (bad) at(l, `spec.${field}[${i}].action`, bad);
      });
    }
    (spec.mynetworks ?? []).forEach((n, i) => {
      const net = parseNetwork(n);
      if (net === null)
        at(l, `spec.mynetworks[${i}]`, `"${n}" is not an address or network/prefix`);
      else if (net.prefix === 0 && spec.allow_any_mynetworks !== true)
        at(
          l,
          `spec.mynetworks[${i}]`,
          `"${n}" trusts every client on the internet (an open relay); ` +
            'set allow_any_mynetworks: true if that is really meant',
        );
      else if (
        net.prefix < (net.family === 4 ? 16 : 48) &&
        !(net.family === 4 && net.bytes[0] === 127 && net.prefix >= 8)
      )
        warn(
          l,
          `spec.mynetworks[${i}]`,
          `"${n}" is wider than a /${net.family === 4 ? 16 : 48}: every client in it may relay. ` +
            'Behind a Kubernetes Service without externalTrafficPolicy: Local, outside clients ' +
            'appear as node addresses from such ranges',
        );
    });
    (spec.smtpd_upstream_proxy_trusted ?? []).forEach((n, i) => {
      if (parseNetwork(n) === null)
        at(
          l,
          `spec.smtpd_upstream_proxy_trusted[${i}]`,
          `"${n}" is not an address or network/prefix`,
        );
    });
    if (spec.smtpd_sender_login_maps !== undefined) {
      const name = spec.smtpd_sender_login_maps.replace(/^AddressMap\//, '');
      const kind = addressMaps.get(name);
      if (kind === undefined) at(l, 'spec.smtpd_sender_login_maps', `unknown AddressMap "${name}"`);
      else if (kind !== 'sender_login')
        at(
          l,
          'spec.smtpd_sender_login_maps',
          `AddressMap "${name}" is of kind ${kind}; smtpd_sender_login_maps needs kind sender_login ` +
            '(a table of another kind would also rewrite addresses)',
        );
    }
    if (spec.parameters && spec.listener !== 'all') {
      at(l, 'spec.parameters', 'parameters are only allowed in the MailPolicy for listener all');
    }
    for (const [name, value] of Object.entries(spec.parameters ?? {})) {
      const r = parseGlobalSetting(name, value);
      if ('error' in r) at(l, `spec.parameters.${name}`, r.error);
    }
  }
}

/** An access(5) result that is a restriction list ("reject_unknown_sender_domain, permit"). */
function isRestrictionList(action: string): boolean {
  const words = action.split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    try {
      parseRestriction(word);
    } catch {
      // a rule with an argument: "check_client_access AccessMap/x", "reject_rbl_client zone"
      try {
        parseRestriction(`${word} ${words[i + 1] ?? ''}`);
        i++;
      } catch {
        return false;
      }
    }
  }
  return true;
}

function checkPattern(
  l: Located,
  field: string,
  pattern: string,
  at: (l: Located, field: string, message: string) => void,
): void {
  const bad = checkRegexpPattern(pattern);
  if (bad) at(l, field, bad);
}

function policyFields(spec: MailPolicySpec | undefined): Partial<PolicyDefaults> {
  if (!spec) return {};
  const { listener: _l, parameters: _p, ...rest } = spec;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

/** main.cf defaults, then MailPolicy "all", then the listener's built-in overrides, then its own MailPolicy. */
function effectivePolicy(
  listener: ListenerName,
  all: Located<'MailPolicy'> | undefined,
  own: Located<'MailPolicy'> | undefined,
): EffectivePolicy {
  // Cloned: the defaults' arrays must never be shared with (and mutated through) a config.
  return structuredClone({
    ...policyDefaults,
    ...policyFields(all?.resource.spec),
    ...listenerDefaults[listener],
    ...policyFields(own?.resource.spec),
    source: own?.resource.metadata.name ?? all?.resource.metadata.name ?? '(default)',
  });
}

/** Stable JSON: object keys sorted, so equal configs hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    const rec = asRecord(v);
    if (!rec) return v;
    return Object.fromEntries(
      Object.keys(rec)
        .sort()
        .map((k) => [k, rec[k]]),
    );
  });
}

/** Compiles a set of resources into the runtime configuration, or every error found. */
export function compileResources(docs: ConfigDocument[]): CompileResult {
  const errors: ConfigError[] = [];
  const warnings: ConfigError[] = [];
  const valid = docs
    .map((d) => validateDocument(d, errors))
    .filter((l): l is Located => l !== null);
  crossCheck(valid, errors, warnings);

  const of = <K extends ResourceKind>(kind: K) =>
    valid.filter((l): l is Located<K> => l.resource.kind === kind);
  const policyFor = (listener: string) =>
    of('MailPolicy').find((l) => l.resource.spec.listener === listener);

  const policies = {} as Record<ListenerName, EffectivePolicy>;
  for (const listener of LISTENERS) {
    const all = policyFor('all');
    const own = policyFor(listener);
    const p = effectivePolicy(listener, all, own);
    policies[listener] = p;
    if (!policyGuardsRelay(p)) {
      const blame = own ?? all;
      errors.push({
        source: blame?.source ?? '(defaults)',
        kind: 'MailPolicy',
        name: blame?.resource.metadata.name ?? '',
        field: 'spec.smtpd_relay_restrictions',
        message:
          `listener ${listener} would be an open relay: smtpd_relay_restrictions or ` +
          'smtpd_recipient_restrictions must reach reject_unauth_destination, ' +
          'defer_unauth_destination, reject or defer before any permit',
      });
    }
  }
  if (errors.length) return { errors };

  const domains: RuntimeConfig['domains'] = {};
  for (const l of of('MailDomain')) {
    domains[normalizeDomain(l.resource.spec.domain)] = {
      ...l.resource.spec,
      resource: l.resource.metadata.name,
    };
  }
  const users: RuntimeConfig['users'] = {};
  for (const l of of('MailUser')) {
    const { passwordSecretRef: _secret, ...rest }: MailUserSpec = l.resource.spec;
    users[normalizeAddressKey(rest.address)] = { ...rest, resource: l.resource.metadata.name };
  }
  const accessMaps: Record<string, AccessMapSpec> = {};
  for (const l of of('AccessMap')) accessMaps[l.resource.metadata.name] = l.resource.spec;
  const addressMaps: Record<string, AddressMapSpec> = {};
  for (const l of of('AddressMap')) addressMaps[l.resource.metadata.name] = l.resource.spec;

  const settings = globalSettingDefaults();
  for (const [name, raw] of Object.entries(policyFor('all')?.resource.spec.parameters ?? {})) {
    const r = parseGlobalSetting(name, raw);
    if ('value' in r) settings[name] = r.value;
  }

  const body = { domains, users, accessMaps, addressMaps, policies, settings };
  const version = createHash('sha256').update(canonicalJson(body)).digest('hex');
  return { config: { version, compiledAt: new Date().toISOString(), ...body }, warnings };
}

/** The compile of zero resources: catalogue defaults, no domains. */
export function defaultRuntimeConfig(): RuntimeConfig {
  const r = compileResources([]);
  if ('errors' in r) throw new ConfigCompileError(r.errors);
  return r.config;
}
