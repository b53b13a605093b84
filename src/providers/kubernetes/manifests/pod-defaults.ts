/**
 * The fields the API server fills in when a pod template or container leaves them out, written
 * out so that a GitOps tool comparing these files with the live objects sees no difference.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';

export const podDefaults = {
  restartPolicy: 'Always',
  dnsPolicy: 'ClusterFirst',
  schedulerName: 'default-scheduler',
  securityContext: {},
} as const satisfies Partial<IPodSpec>;

export const containerDefaults = {
  // Images are referenced by digest: what is on the node is what was asked for.
  imagePullPolicy: 'IfNotPresent',
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
} as const satisfies Partial<IContainer>;

/** The Deployment defaults Skiff keeps (its own rollouts move traffic between Deployments). */
export const deploymentDefaults = {
  strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
  revisionHistoryLimit: 10,
  progressDeadlineSeconds: 600,
} as const;
