/**
 * Background cascading deletion: an object whose owners are all gone is deleted. And namespace
 * deletion: a namespace marked for deletion loses its contents, then goes itself.
 */
import type { ResourceApi } from '../resource-api.js';
import { RESOURCE_TYPES, typeOfKind } from '../resources.js';
import type { ObjectStore } from '../store.js';

const NAMESPACES = typeOfKind('Namespace');

export class GarbageCollector {
  constructor(
    private readonly store: ObjectStore,
    private readonly api: ResourceApi,
  ) {}

  reconcile(): void {
    const all = RESOURCE_TYPES.flatMap((type) => this.store.list(type).map((object) => ({ type, object })));
    const uids = new Set(all.map(({ object }) => object.metadata.uid));
    for (const { type, object } of all) {
      const owners = object.metadata.ownerReferences ?? [];
      if (owners.length === 0 || owners.some((o) => uids.has(o.uid)) || object.metadata.deletionTimestamp) continue;
      this.api.delete({ type, namespace: object.metadata.namespace, name: object.metadata.name }, {});
    }
    for (const namespace of this.store.list(NAMESPACES)) {
      if (!namespace.metadata.deletionTimestamp) continue;
      const contents = all.filter(({ type, object }) => type.namespaced && object.metadata.namespace === namespace.metadata.name);
      for (const { type, object } of contents) {
        if (!object.metadata.deletionTimestamp) this.api.delete({ type, namespace: object.metadata.namespace, name: object.metadata.name }, {});
      }
      if (contents.length === 0) this.store.delete(NAMESPACES, undefined, namespace.metadata.name);
    }
  }
}
