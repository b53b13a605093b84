/** Preview environments as the API offers them. */
export interface PreviewView {
  readonly name: string;
  readonly from: string;
  /** The git branch it deploys the build of; null: it runs what `from` ran when it was made. */
  readonly branch: string | null;
  /** The branch head it last deployed. */
  readonly commit: string | null;
  /** Made by the source's `previews:` for a new branch; deleted when the branch is. */
  readonly automatic: boolean;
  readonly createdAt: string;
  /** Milliseconds; null: kept until deleted. */
  readonly ttlMs: number | null;
  /** The newest release in the preview, or its creation: what the ttl counts from. */
  readonly lastDeployAt: string;
  /** When it will be deleted without a deploy before; null without a ttl. */
  readonly expiresAt: string | null;
  /** Its own router, where its routes are served (a route for a host on `NAME.preview.<host>`). */
  readonly routerUrl: string;
  /** The services it runs, with the release each has. */
  readonly services: Readonly<Record<string, string>>;
}

export interface CreatePreview {
  readonly name: string;
  readonly from: string;
  /** Instances of every service (default 1). */
  readonly instances?: number | undefined;
  /** A duration such as `2h`. */
  readonly ttl?: string | undefined;
  /** Deploy the build of this git branch's head (and of each later push to it). */
  readonly branch?: string | undefined;
}

export interface PreviewsPort {
  list(): PreviewView[];
  create(options: CreatePreview & { readonly author: string }): Promise<PreviewView>;
  /** The environment a preview was made from (who may delete it: a deployer there). SKIFF_PREVIEW_NOT_FOUND when there is none. */
  sourceOf(name: string): string;
  delete(options: { readonly name: string; readonly author: string }): Promise<void>;
}
