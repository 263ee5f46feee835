// Generates crds/<plural>.postfleet.io.yaml for every kind from the zod schemas in
// resources.ts (z.toJSONSchema, adapted to a Kubernetes structural OpenAPI v3
// schema). `npm run crds` writes them; test/crds.test.ts fails on drift.
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { stringify } from 'yaml';
import { z } from 'zod';
import {
  API_GROUP,
  API_VERSION,
  RESOURCE_KINDS,
  resourceKinds,
  resourceStatusSchema,
  type ResourceKind,
} from './resources.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

interface KindInfo {
  plural: string;
  singular: string;
  shortNames: string[];
  columns: PrinterColumn[];
  validations: { rule: string; message: string }[];
}

const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KIND_INFO: Record<ResourceKind, KindInfo> = {
  MailDomain: {
    plural: 'maildomains',
    singular: 'maildomain',
    shortNames: ['md'],
    columns: [
      { name: 'Domain', type: 'string', jsonPath: '.spec.domain' },
      { name: 'Class', type: 'string', jsonPath: '.spec.class' },
      READY,
      AGE,
    ],
    validations: [
      {
        rule: "self.class == 'relay' || !has(self.relayHost)",
        message: 'relayHost is only allowed with class relay',
      },
    ],
  },
  MailUser: {
    plural: 'mailusers',
    singular: 'mailuser',
    shortNames: ['mu'],
    columns: [
      { name: 'Address', type: 'string', jsonPath: '.spec.address' },
      { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
      READY,
      AGE,
    ],
    validations: [
      {
        rule: '!(has(self.passwordSecretRef) && has(self.passwordHash))',
        message: 'set passwordSecretRef or passwordHash, not both',
      },
    ],
  },
  AccessMap: {
    plural: 'accessmaps',
    singular: 'accessmap',
    shortNames: ['acm'],
    columns: [{ name: 'Type', type: 'string', jsonPath: '.spec.type' }, READY, AGE],
    validations: [],
  },
  AddressMap: {
    plural: 'addressmaps',
    singular: 'addressmap',
    shortNames: ['adm'],
    columns: [
      { name: 'Table', type: 'string', jsonPath: '.spec.kind' },
      { name: 'Type', type: 'string', jsonPath: '.spec.type' },
      READY,
      AGE,
    ],
    validations: [],
  },
  MailPolicy: {
    plural: 'mailpolicies',
    singular: 'mailpolicy',
    shortNames: ['mp'],
    columns: [{ name: 'Listener', type: 'string', jsonPath: '.spec.listener' }, READY, AGE],
    validations: [
      {
        rule: "!has(self.parameters) || self.listener == 'all'",
        message: 'parameters are only allowed in the MailPolicy for listener all',
      },
    ],
  },
};

const SAFE_INT = Number.MAX_SAFE_INTEGER;

/** Rewrites a draft 2020-12 JSON schema node into a Kubernetes structural schema node. */
function structural(node: Json): Json {
  if (Array.isArray(node)) return node.map(structural);
  if (!node || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === 'propertyNames' || key === 'id' || key === '$id') continue;
    if (key === 'additionalProperties' && value === false) continue;
    if ((key === 'maximum' && value === SAFE_INT) || (key === 'minimum' && value === -SAFE_INT)) {
      continue;
    }
    if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      // OpenAPI v3.0: a boolean beside minimum/maximum, not a number.
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      out[key] = true;
      continue;
    }
    if (key === 'pattern' && typeof value === 'string' && /\(\?<?[=!]/.test(value)) {
      throw new Error(`pattern ${value} uses lookaround, which Kubernetes (RE2) rejects`);
    }
    if (
      key === '$ref' ||
      key === '$defs' ||
      key === 'anyOf' ||
      key === 'oneOf' ||
      key === 'allOf'
    ) {
      throw new Error(`schema uses ${key}; flatten it in resources.ts`);
    }
    out[key] = structural(value);
  }
  return out;
}

function jsonSchema(schema: z.ZodType): JsonObject {
  return structural(z.toJSONSchema(schema, { io: 'input' }) as Json) as JsonObject;
}

/** The CustomResourceDefinition object for one kind. */
export function crdFor(kind: ResourceKind): JsonObject {
  const info = KIND_INFO[kind];
  const spec = jsonSchema(resourceKinds[kind]);
  if (info.validations.length) spec['x-kubernetes-validations'] = info.validations;
  const status = jsonSchema(resourceStatusSchema);
  const conditions = (status.properties as JsonObject).conditions as JsonObject;
  conditions['x-kubernetes-list-type'] = 'map';
  conditions['x-kubernetes-list-map-keys'] = ['type'];
  ((conditions.items as JsonObject).properties as JsonObject).lastTransitionTime = {
    type: 'string',
    format: 'date-time',
    description: 'RFC 3339 time of the last status change',
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: info.plural,
        singular: info.singular,
        shortNames: info.shortNames,
        categories: ['postfleet', 'mail'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: info.columns as unknown as Json,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: typeof spec.description === 'string' ? spec.description : kind,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec,
                status,
              },
            },
          },
        },
      ],
    },
  };
}

/** File name (relative to crds/) -> YAML text, formatted as Prettier would. */
export async function renderCrds(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const kind of RESOURCE_KINDS) {
    const crd = crdFor(kind);
    const header =
      '# Generated by packages/config/src/crd-generate.ts from packages/config/src/resources.ts.\n' +
      '# Do not edit: change the zod schema and run `npm run crds`.\n';
    const text = header + stringify(crd, { lineWidth: 0 });
    const pretty = await format(text, { parser: 'yaml', printWidth: 100, singleQuote: true });
    files.set(`${KIND_INFO[kind].plural}.${API_GROUP}.yaml`, pretty);
  }
  return files;
}

export const CRD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../crds');

export async function writeCrds(dir = CRD_DIR): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of await renderCrds()) {
    await writeFile(join(dir, name), text);
    written.push(join(dir, name));
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of await writeCrds()) console.log(file);
}
