// The official JSON schemas an SBOM is checked against, from registry packages (never hand-copied):
//   CycloneDX 1.6: bom-1.6 + spdx + jsf schemas of the npm devDependency @cyclonedx/cyclonedx-library;
//   SPDX 2.3: lib4sbom/schemas/spdx/2.3-schema.json (the spdx-spec schema, $id http://spdx.org/rdf/terms/2.3)
//   inside the lib4sbom 0.10.4 wheel from PyPI, downloaded at test time (pinned by SHA-256, cached in
//   .cache/test-downloads). Without the network the SPDX checks skip, except under CI=true where they fail.

import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { readWheelMember } from '../../src/python/wheel.js';
import { CACHE, missing } from '../python/helpers.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;

const CDX = new URL('../../node_modules/@cyclonedx/cyclonedx-library/res/schema/', import.meta.url);

const LIB4SBOM = {
  file: 'lib4sbom-0.10.4-py3-none-any.whl',
  url: 'https://files.pythonhosted.org/packages/e8/e0/9fa2a95f3428e3484d6687513495ea1e08d0eac9af7b3a86a77c2f1464ac/lib4sbom-0.10.4-py3-none-any.whl',
  sha256: 'ba6652ac2d0ba767d48f912c762f41ab3843cf5817303082aaa2ee8a1952de04',
  size: 2858563,
  member: 'lib4sbom/schemas/spdx/2.3-schema.json',
};

const readJson = (url: URL) => JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Formats of the CycloneDX schema that ajv-formats lacks: checked as their ASCII forms.
  ajv.addFormat('iri-reference', fullFormats['uri-reference']);
  ajv.addFormat('idn-email', fullFormats.email);
  return ajv;
}

/** A validator for CycloneDX 1.6 JSON (the schema refers to the SPDX licence list and JSF by file name). */
export function cycloneDxValidator(): ValidateFunction {
  const ajv = newAjv();
  for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    const { $id: _id, ...schema } = readJson(new URL(name, CDX));
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${name}`);
  }
  return ajv.compile(readJson(new URL('bom-1.6.SNAPSHOT.schema.json', CDX)));
}

/** A validator for SPDX 2.3 JSON, or a skip reason when the schema cannot be downloaded (not under CI). */
export async function spdxValidator(): Promise<ValidateFunction | string> {
  const wheel = join(CACHE, 'test-downloads', LIB4SBOM.file);
  if (!existsSync(wheel)) {
    let bytes: Buffer;
    try {
      const response = await fetch(LIB4SBOM.url, { signal: AbortSignal.timeout(120_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      const reason = missing(`the network (${LIB4SBOM.url}: ${(error as Error).message})`);
      return reason || 'unreachable';
    }
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== LIB4SBOM.sha256 || bytes.length !== LIB4SBOM.size) {
      throw new Error(`${LIB4SBOM.file}: SHA-256 ${got}, expected ${LIB4SBOM.sha256}`);
    }
    await fs.mkdir(join(CACHE, 'test-downloads'), { recursive: true });
    await fs.writeFile(`${wheel}.tmp-${process.pid}`, bytes);
    await fs.rename(`${wheel}.tmp-${process.pid}`, wheel);
  }
  const zip = await fs.readFile(wheel);
  const got = createHash('sha256').update(zip).digest('hex');
  if (got !== LIB4SBOM.sha256) throw new Error(`${wheel} is not the pinned wheel (SHA-256 ${got})`);
  const schema = JSON.parse(readWheelMember(zip, LIB4SBOM.member, 1 << 20, LIB4SBOM.file).toString('utf8'));
  if (schema.$id !== 'http://spdx.org/rdf/terms/2.3')
    throw new Error(`${LIB4SBOM.member} is not the SPDX 2.3 schema`);
  return newAjv().compile(schema);
}

/** The validator's errors, readable in an assertion message. */
export function schemaErrors(validate: ValidateFunction): string {
  return JSON.stringify(validate.errors?.slice(0, 5), null, 1);
}
