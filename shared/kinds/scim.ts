/** SCIM shapes the principal kinds read (databricks-api.md §6.2). */
export interface ScimValue {
  value?: string;
  display?: string;
  $ref?: string;
  type?: string;
}

export interface ScimUser {
  id: string;
  userName: string;
  displayName?: string;
  active?: boolean;
  name?: { givenName?: string; familyName?: string };
  externalId?: string;
  entitlements?: ScimValue[];
  roles?: ScimValue[];
}

export interface ScimServicePrincipal {
  id: string;
  applicationId: string;
  displayName?: string;
  active?: boolean;
  externalId?: string;
  entitlements?: ScimValue[];
  roles?: ScimValue[];
}

export interface ScimGroup {
  id: string;
  displayName: string;
  externalId?: string;
  members?: ScimValue[];
  entitlements?: ScimValue[];
  roles?: ScimValue[];
  meta?: { resourceType?: string };
}

/** Sorted `value`s of a SCIM multi-valued attribute, or undefined when empty. */
export const values = (list: ScimValue[] | undefined): string[] | undefined =>
  list && list.length > 0 ? list.map((e) => String(e.value)).sort() : undefined;
