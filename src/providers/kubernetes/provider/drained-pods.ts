/**
 * The pods a stop scaled their Deployment down for, until they go. A ReplicaSet scaling down
 * removes not-ready pods before the one with the lowest deletion cost, so it may remove another
 * pod of the release and leave the drained one running (out of the routing table, `stopping` for
 * ever): when a pod no stop asked for begins to terminate, the drained pods of its Deployment
 * still running are the ones to delete directly.
 */
export class DrainedPods {
  /** Pod name → its Deployment. */
  private readonly drained = new Map<string, string>();
  /** Pods seen terminating, until they are gone: a pod is reported once, at its first sign of going. */
  private readonly terminated = new Set<string>();

  add(pod: string, deployment: string): void {
    this.drained.set(pod, deployment);
  }

  /** The pod's stop failed, or the pod is gone. */
  remove(pod: string): void {
    this.drained.delete(pod);
    this.terminated.delete(pod);
  }

  /**
   * A pod of `deployment` is terminating or gone: [] when it is a drained one (it goes as asked)
   * or was reported already, else the drained pods of that Deployment that are still running
   * (`running`), now forgotten.
   */
  terminating(pod: string, deployment: string, running: (pod: string) => boolean): string[] {
    if (this.terminated.has(pod)) return [];
    this.terminated.add(pod);
    if (this.drained.delete(pod)) return [];
    const left: string[] = [];
    for (const [name, of] of this.drained) {
      if (of !== deployment) continue;
      if (running(name)) left.push(name);
      this.drained.delete(name);
    }
    return left;
  }
}
