import type { ChildProcess } from 'node:child_process';

export declare const DEV_ACCOUNT: string;
export declare const DEV_KEY: string;
export declare function devConnectionString(blobUrl: string): string;

export interface AzuriteHandle {
  url: string;
  connectionString: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export declare function startAzurite(): Promise<AzuriteHandle>;
