/**
 * The function app's functions as the host would register them, for the loopback
 * host (tests, and the drill's --serve mode).
 */
import type { HttpFunction, QueueHandler } from './functionsHost.js';

/** Every HTTP function of the app. */
export async function httpFunctions(): Promise<HttpFunction[]> {
  const f = await import('../../functions/failoverApi.js');
  const b = await import('../../functions/backupApi.js');
  const r = await import('../../functions/runsApi.js');
  const s = await import('../../functions/snapshotsApi.js');
  const st = await import('../../functions/statusApi.js');
  const a = await import('../../functions/alertsApi.js');
  const d = await import('../../functions/dashboard.js');
  return [
    { name: 'failoverApi', options: f.failoverApiOptions, handler: f.postFailover },
    { name: 'verifyApi', options: f.verifyApiOptions, handler: f.postVerify },
    { name: 'backupApi', options: b.backupApiOptions, handler: b.postBackup },
    { name: 'runsApi', options: r.runsApiOptions, handler: r.getRun },
    { name: 'snapshotsApi', options: s.snapshotsApiOptions, handler: s.getSnapshots },
    { name: 'statusApi', options: st.statusApiOptions, handler: st.getStatusApi },
    { name: 'alertsApi', options: a.alertsApiOptions, handler: a.postAlert },
    { name: 'dashboard', options: d.dashboardOptions, handler: d.getDashboard },
  ];
}

/** The Service Bus queue functions: the setting naming each queue, and the handler. */
export async function queueFunctions(): Promise<
  { name: string; queueSetting: 'DR_FAILOVER_QUEUE' | 'DR_BACKUP_QUEUE'; handler: QueueHandler }[]
> {
  const { failoverQueue } = await import('../../functions/failoverQueue.js');
  const { backupQueue } = await import('../../functions/backupQueue.js');
  return [
    { name: 'failoverQueue', queueSetting: 'DR_FAILOVER_QUEUE', handler: failoverQueue },
    { name: 'backupQueue', queueSetting: 'DR_BACKUP_QUEUE', handler: backupQueue },
  ];
}
