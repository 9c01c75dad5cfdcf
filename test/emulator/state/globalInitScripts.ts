import type { AreaState } from '../area.js';
import { invalidParameter, notFound } from '../errors.js';
import type { Workspace } from './workspace.js';

/** Global init scripts' part of a fixture. */
export interface GlobalInitScriptsSection {
  globalInitScripts?: FixtureGlobalInitScript[];
}

export interface FixtureGlobalInitScript {
  script_id?: string;
  name: string;
  /** The script, base64. */
  script: string;
  enabled?: boolean;
  position?: number;
}

export interface GlobalInitScriptRecord {
  scriptId: string;
  name: string;
  /** Script body, base64 as the API carries it. */
  script: string;
  enabled: boolean;
  position: number;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

const MAX_SCRIPT_BYTES = 64 * 1024;

export function scriptNotFound(id: string) {
  return notFound(`The global init script with id ${id} does not exist.`);
}

/**
 * Global init scripts. Positions are dense from 0; inserting at a taken position
 * shifts later scripts down, and a position past the end (or omitted) appends.
 */
export class GlobalInitScripts implements AreaState<GlobalInitScriptsSection> {
  private scripts: GlobalInitScriptRecord[] = [];
  private readonly now: () => number;

  constructor(private readonly ws: Workspace) {
    this.now = ws.now;
  }

  load(fixture: GlobalInitScriptsSection): void {
    const admin = this.ws.principals.adminUserName();
    for (const g of fixture.globalInitScripts ?? []) {
      this.create({ name: g.name, script: g.script, enabled: g.enabled ?? false, position: g.position }, admin, g.script_id);
    }
  }

  dump(): Required<GlobalInitScriptsSection> {
    return {
      globalInitScripts: this.scripts.map((g) => ({
        script_id: g.scriptId,
        name: g.name,
        script: g.script,
        enabled: g.enabled,
        position: g.position,
      })),
    };
  }

  list(): GlobalInitScriptRecord[] {
    return [...this.scripts];
  }

  get(id: string): GlobalInitScriptRecord {
    const s = this.scripts.find((x) => x.scriptId === id);
    if (!s) throw scriptNotFound(id);
    return s;
  }

  create(
    input: { name: unknown; script: unknown; enabled: unknown; position: unknown },
    by: string,
    scriptId?: string,
  ): GlobalInitScriptRecord {
    const { name, script } = validate(input);
    const t = this.now();
    const record: GlobalInitScriptRecord = {
      scriptId: scriptId ?? this.ws.ids.hex16(),
      name,
      script,
      enabled: input.enabled === true,
      position: 0,
      createdAt: t,
      createdBy: by,
      updatedAt: t,
      updatedBy: by,
    };
    this.place(record, input.position);
    return record;
  }

  update(id: string, input: { name: unknown; script: unknown; enabled: unknown; position: unknown }, by: string): void {
    const record = this.get(id);
    const { name, script } = validate(input);
    record.name = name;
    record.script = script;
    if (input.enabled !== undefined) record.enabled = input.enabled === true;
    record.updatedAt = this.now();
    record.updatedBy = by;
    this.scripts = this.scripts.filter((s) => s !== record);
    this.place(record, input.position ?? record.position);
  }

  delete(id: string): void {
    this.get(id);
    this.scripts = this.scripts.filter((s) => s.scriptId !== id);
    this.renumber();
  }

  private place(record: GlobalInitScriptRecord, position: unknown): void {
    const p = position === undefined || position === null ? this.scripts.length : Number(position);
    if (!Number.isInteger(p) || p < 0) throw invalidParameter('position must be a non-negative integer.');
    this.scripts.splice(Math.min(p, this.scripts.length), 0, record);
    this.renumber();
  }

  private renumber(): void {
    this.scripts.forEach((s, i) => (s.position = i));
  }
}

function validate(input: { name: unknown; script: unknown }): { name: string; script: string } {
  if (typeof input.name !== 'string' || input.name === '') throw invalidParameter("Missing required field 'name'");
  if (typeof input.script !== 'string' || input.script === '') throw invalidParameter("Missing required field 'script'");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.script)) throw invalidParameter('script must be base64-encoded.');
  const bytes = Buffer.from(input.script, 'base64').length;
  if (bytes > MAX_SCRIPT_BYTES) {
    throw invalidParameter(`The script is ${bytes} bytes; a global init script can be at most ${MAX_SCRIPT_BYTES} bytes.`);
  }
  return { name: input.name, script: input.script };
}
