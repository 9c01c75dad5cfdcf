import { AREAS } from '../areas.js';
import type { Routes } from '../http.js';
import type { Workspace } from '../state/workspace.js';

/** Every area's routes, in area order (see areas.ts). */
export function registerRoutes(routes: Routes, ws: Workspace): void {
  for (const a of AREAS) for (const register of a.routes) register(routes, ws);
}
