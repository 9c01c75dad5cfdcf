import type { Routes } from './http.js';
import type { Workspace } from './state/workspace.js';

/**
 * The state of one API area of a workspace (jobs, clusters, IP access lists …).
 * `Section` is the part of the workspace fixture this area owns, e.g.
 * `{ jobs?: FixtureJob[] }`; the whole fixture type is composed from the sections.
 */
export interface AreaState<Section extends object = object> {
  /**
   * The objects every new workspace has (built-in groups, default policies …).
   * Called once every area exists, in area order; a fixture loads after it.
   */
  bootstrap?(): void;
  /** Load this area's sections into a freshly bootstrapped workspace. */
  load?(fixture: Section): void;
  /** This area's sections; `load(dump())` reproduces the area, ids included. */
  dump?(): Section;
}

/** Registers an area's endpoints; one routes module per area (routes/<area>.ts). */
export type RouteModule = (routes: Routes, ws: Workspace) => void;

/**
 * One API area: how to make its state and which route modules serve it. The state
 * implements AreaState when the area has a fixture section or bootstraps objects;
 * areas without either (one-time runs, command execution) keep plain state.
 */
export interface Area<Key extends string = string, State extends object = object> {
  /** The Workspace property the state is reachable under, e.g. `ws.jobs`. */
  readonly key: Key;
  readonly create: (ws: Workspace) => State;
  readonly routes: readonly RouteModule[];
}

/** Declare an area (see areas.ts, where the list of areas is). */
export function area<Key extends string, State extends object>(
  key: Key,
  create: (ws: Workspace) => State,
  ...routes: RouteModule[]
): Area<Key, State> {
  return { key, create, routes };
}

/** The fixture section an area's state loads and dumps. */
export type SectionOf<A> = A extends Area<string, infer S> ? (S extends AreaState<infer F> ? F : never) : never;

/** `A | B` → `A & B`. */
export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
