import type { AreaState } from '../area.js';
import { type ApiError, invalidParameter, permissionDenied } from '../errors.js';
import type { Caller } from '../http.js';

/** Workspace settings' part of a fixture: the keys that were set, with their string values. */
export interface WorkspaceConfSection {
  workspaceConf?: Record<string, string>;
}

type ValueRule = 'boolean' | 'days' | 'count' | 'string';

/**
 * The keys `/api/2.0/workspace-conf` knows, with the values each accepts. The list is
 * the documented Azure keys (docs: api-access-permissions, ip-access-list-workspace,
 * verbose-logs) plus every key Terraform's exporter reads in one GET
 * (terraform-provider-databricks exporter/context.go `workspaceConfKeys`): a real
 * workspace answers that GET, and one unknown key fails a whole request.
 * - boolean: "true"/"false" in any case, stored verbatim ("TRue" reads back "TRue":
 *   Terraform's acceptance test workspace/workspace_conf_test.go, run against real
 *   workspaces); "" is refused ("Some values are not allowed: {"enableIpAccessLists":""}",
 *   quoted in Terraform's resource_workspace_conf.go).
 * - days: maxTokenLifetimeDays, 0 (no limit, Azure token docs) to 730 (Terraform docs).
 * - count: a non-negative integer (maxUserInactiveDays).
 * - string: free text (allow lists, "dbr11.0+" for enableWorkspaceFilesystem …).
 */
export const WORKSPACE_CONF_KEYS: Readonly<Record<string, ValueRule>> = {
  enableTokensConfig: 'boolean',
  maxTokenLifetimeDays: 'days',
  enableIpAccessLists: 'boolean',
  enableResultsDownloading: 'boolean',
  enableWebTerminal: 'boolean',
  enableDbfsFileBrowser: 'boolean',
  enableExportNotebook: 'boolean',
  enableNotebookTableClipboard: 'boolean',
  storeInteractiveNotebookResultsInCustomerAccount: 'boolean',
  enableVerboseAuditLogs: 'boolean',
  maxUserInactiveDays: 'count',
  enableDeprecatedClusterNamedInitScripts: 'boolean',
  enableDeprecatedGlobalInitScripts: 'boolean',
  enforceWorkspaceViewAcls: 'boolean',
  enforceUserIsolation: 'boolean',
  enableProjectTypeInWorkspace: 'boolean',
  enableWorkspaceFilesystem: 'string',
  enableProjectsAllowList: 'boolean',
  projectsAllowList: 'string',
  reposIpynbResultsExportPermissions: 'string',
  'enable-X-Frame-Options': 'boolean',
  'enable-X-Content-Type-Options': 'boolean',
  'enable-X-XSS-Protection': 'boolean',
  enableUploadDataUis: 'boolean',
  enableDatabricksAutologgingAdminConf: 'boolean',
  mlflowRunArtifactDownloadEnabled: 'boolean',
  mlflowModelServingEndpointCreationEnabled: 'boolean',
  mlflowModelRegistryEmailNotificationsEnabled: 'boolean',
  rStudioUserDefaultHomeBase: 'string',
  enableEnforceImdsV2: 'boolean',
  enableLibraryAndInitScriptOnSharedCluster: 'boolean',
  enablePipelinesDataSample: 'boolean',
  customerApprovedWSLoginExpirationTime: 'string',
  enableLegacyNotebookVisualizations: 'string',
  enableJobViewAcls: 'boolean',
  enforceClusterViewAcls: 'boolean',
};

function allowed(rule: ValueRule, value: string): boolean {
  switch (rule) {
    case 'boolean':
      return /^(true|false)$/i.test(value);
    case 'days':
      return /^\d{1,3}$/.test(value) && Number(value) <= 730;
    case 'count':
      return /^\d{1,9}$/.test(value);
    case 'string':
      return true;
  }
}

/** The service's error for unknown keys: the message ends in a JSON array (Terraform parses it). */
function invalidKeys(keys: string[]): ApiError {
  // Message observed (terraform-provider-databricks issues #1769, #2534); error code and status not published.
  return invalidParameter(`Invalid keys: ${JSON.stringify(keys)}`);
}

/**
 * Workspace configuration (`/api/2.0/workspace-conf`): string values by key; a key
 * never set reads as null. Values are kept exactly as sent.
 */
export class WorkspaceConf implements AreaState<WorkspaceConfSection> {
  readonly values = new Map<string, string>();

  /**
   * Only admins read or change workspace settings. The read message is the one
   * Databricks' security-analysis-tool quotes ("unauthorized to perform ReadAction on
   * /org_admin_conf/<key>"); the write wording and the status (403) are inferred.
   */
  assertAdmin(caller: Caller, action: 'ReadAction' | 'WriteAction', keys: string[]): void {
    if (!caller.isAdmin) throw permissionDenied(`unauthorized to perform ${action} on /org_admin_conf/${keys[0] ?? ''}`);
  }

  /** The values of `keys`, null where never set; any unknown key fails the whole request. */
  get(keys: string[]): Record<string, string | null> {
    const unknown = keys.filter((k) => !Object.hasOwn(WORKSPACE_CONF_KEYS, k));
    if (unknown.length > 0) throw invalidKeys(unknown);
    return Object.fromEntries(keys.map((k) => [k, this.values.get(k) ?? null]));
  }

  /** Set several keys at once: all or nothing. */
  set(patch: Record<string, string>): void {
    const unknown = Object.keys(patch).filter((k) => !Object.hasOwn(WORKSPACE_CONF_KEYS, k));
    if (unknown.length > 0) throw invalidKeys(unknown);
    const refused = Object.entries(patch).filter(([k, v]) => !allowed(WORKSPACE_CONF_KEYS[k] as ValueRule, v));
    if (refused.length > 0) throw invalidParameter(`Some values are not allowed: ${JSON.stringify(Object.fromEntries(refused))}`);
    for (const [k, v] of Object.entries(patch)) this.values.set(k, v);
  }

  /** Whether a boolean setting is on; values are compared without regard to case, as they are accepted. */
  isTrue(key: string): boolean {
    return this.values.get(key)?.toLowerCase() === 'true';
  }

  load(fixture: WorkspaceConfSection): void {
    if (fixture.workspaceConf) this.set(fixture.workspaceConf);
  }

  dump(): WorkspaceConfSection {
    // Left out when nothing was set, so workspaces that never touch settings dump as before.
    return this.values.size === 0 ? {} : { workspaceConf: Object.fromEntries(this.values) };
  }
}
