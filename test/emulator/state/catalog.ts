/**
 * Static catalog data an Azure workspace serves: node types and runtime versions.
 * Values follow the shapes in databricks-api.md §2.1 and the SDK's NodeType model;
 * memory and core counts are the published Azure VM sizes.
 */
export interface NodeTypeInfo {
  node_type_id: string;
  memory_mb: number;
  num_cores: number;
  num_gpus: number;
  category: string;
  local_disks: number;
  local_disk_size_gb: number;
  photon: boolean;
}

const NODE_TYPES: NodeTypeInfo[] = [
  {
    node_type_id: 'Standard_DS3_v2',
    memory_mb: 14336,
    num_cores: 4,
    num_gpus: 0,
    category: 'General Purpose',
    local_disks: 1,
    local_disk_size_gb: 28,
    photon: true,
  },
  {
    node_type_id: 'Standard_DS4_v2',
    memory_mb: 28672,
    num_cores: 8,
    num_gpus: 0,
    category: 'General Purpose',
    local_disks: 1,
    local_disk_size_gb: 56,
    photon: true,
  },
  {
    node_type_id: 'Standard_DS5_v2',
    memory_mb: 57344,
    num_cores: 16,
    num_gpus: 0,
    category: 'General Purpose',
    local_disks: 1,
    local_disk_size_gb: 112,
    photon: true,
  },
  {
    node_type_id: 'Standard_D4ds_v5',
    memory_mb: 16384,
    num_cores: 4,
    num_gpus: 0,
    category: 'General Purpose',
    local_disks: 1,
    local_disk_size_gb: 150,
    photon: true,
  },
  {
    node_type_id: 'Standard_D8ds_v5',
    memory_mb: 32768,
    num_cores: 8,
    num_gpus: 0,
    category: 'General Purpose',
    local_disks: 1,
    local_disk_size_gb: 300,
    photon: true,
  },
  {
    node_type_id: 'Standard_E8ds_v4',
    memory_mb: 65536,
    num_cores: 8,
    num_gpus: 0,
    category: 'Memory Optimized',
    local_disks: 1,
    local_disk_size_gb: 300,
    photon: true,
  },
  {
    node_type_id: 'Standard_E16ds_v4',
    memory_mb: 131072,
    num_cores: 16,
    num_gpus: 0,
    category: 'Memory Optimized',
    local_disks: 1,
    local_disk_size_gb: 600,
    photon: true,
  },
  {
    node_type_id: 'Standard_F4s',
    memory_mb: 8192,
    num_cores: 4,
    num_gpus: 0,
    category: 'Compute Optimized',
    local_disks: 1,
    local_disk_size_gb: 16,
    photon: false,
  },
  {
    node_type_id: 'Standard_F8s_v2',
    memory_mb: 16384,
    num_cores: 8,
    num_gpus: 0,
    category: 'Compute Optimized',
    local_disks: 1,
    local_disk_size_gb: 64,
    photon: true,
  },
  {
    node_type_id: 'Standard_L8s_v2',
    memory_mb: 65536,
    num_cores: 8,
    num_gpus: 0,
    category: 'Storage Optimized',
    local_disks: 1,
    local_disk_size_gb: 80,
    photon: true,
  },
  {
    node_type_id: 'Standard_NC6s_v3',
    memory_mb: 114688,
    num_cores: 6,
    num_gpus: 1,
    category: 'GPU Accelerated',
    local_disks: 1,
    local_disk_size_gb: 736,
    photon: false,
  },
];

export function nodeTypes(only?: readonly string[]): NodeTypeInfo[] {
  return only === undefined ? NODE_TYPES : NODE_TYPES.filter((n) => only.includes(n.node_type_id));
}

/** The list-node-types item for a node type. */
export function nodeTypeJson(n: NodeTypeInfo, displayOrder: number): Record<string, unknown> {
  return {
    node_type_id: n.node_type_id,
    memory_mb: n.memory_mb,
    num_cores: n.num_cores,
    description: n.node_type_id,
    instance_type_id: n.node_type_id,
    is_deprecated: false,
    category: n.category,
    support_ebs_volumes: false,
    support_cluster_tags: true,
    num_gpus: n.num_gpus,
    node_instance_type: {
      instance_type_id: n.node_type_id,
      local_disks: n.local_disks,
      local_disk_size_gb: n.local_disk_size_gb,
    },
    is_hidden: false,
    support_port_forwarding: true,
    display_order: displayOrder,
    is_io_cache_enabled: n.category === 'Storage Optimized',
    photon_worker_capable: n.photon,
    photon_driver_capable: n.photon,
  };
}

export const SPARK_VERSIONS: Array<{ key: string; name: string }> = [
  { key: '17.3.x-scala2.13', name: '17.3 LTS (includes Apache Spark 4.0.0, Scala 2.13)' },
  { key: '16.4.x-scala2.12', name: '16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)' },
  { key: '16.4.x-photon-scala2.12', name: '16.4 LTS Photon (includes Apache Spark 3.5.2, Scala 2.12)' },
  { key: '16.4.x-cpu-ml-scala2.12', name: '16.4 LTS ML (includes Apache Spark 3.5.2, Scala 2.12)' },
  { key: '15.4.x-scala2.12', name: '15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)' },
  { key: '15.4.x-photon-scala2.12', name: '15.4 LTS Photon (includes Apache Spark 3.5.0, Scala 2.12)' },
  { key: '14.3.x-scala2.12', name: '14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)' },
  { key: '14.3.x-cpu-ml-scala2.12', name: '14.3 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)' },
  { key: '13.3.x-scala2.12', name: '13.3 LTS (includes Apache Spark 3.4.1, Scala 2.12)' },
];

/** Runtime keys look like `16.4.x-scala2.12`; anything else is rejected on create. */
export function isWellFormedSparkVersion(key: string): boolean {
  return /^\d+\.\d+\.x(-[a-z0-9-]+)?-scala\d+\.\d+$/.test(key) || /^custom:/.test(key);
}
