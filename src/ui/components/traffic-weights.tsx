/** The share of requests each release gets now, as a bar, with the requests routed by a header or cookie. */
import type { RequestMatchView, RolloutView } from '../../api/rollout-port.js';

export function TrafficWeights(props: { readonly view: RolloutView }) {
  const { view } = props;
  const order = [view.stable.release, view.next.release];
  const weights = view.weights
    ? Object.entries(view.weights).sort(([a], [b]) => rank(order, a) - rank(order, b))
    : null;
  return (
    <div class="weights-block">
      <div class="weights-title muted small">Traffic</div>
      {weights ? (
        <div class="weights" data-testid="weights">
          {weights.map(([release, weight]) => (
            <span
              key={release}
              class={`weight ${release === view.next.release ? 'weight-next' : 'weight-stable'}`}
              style={{ flexGrow: weight, flexBasis: 0 }}
              data-release={release}
              data-weight={weight}
              title={`${release}: ${weight}% of requests`}
            >
              {release} {weight}%
            </span>
          ))}
        </div>
      ) : (
        <p class="small" data-testid="weights">
          Spread over every ready instance of {view.stable.release} and {view.next.release}.
        </p>
      )}
      {view.matches.map((match) => (
        <p key={`${match.kind}:${match.name}`} class="small">
          Requests with {matchText(match)} go to {match.release}.
        </p>
      ))}
      {view.preview && (
        <p class="small">
          Preview: requests with {matchText(view.preview)} reach {view.preview.release} before the switch.
        </p>
      )}
    </div>
  );
}

function rank(order: readonly string[], release: string): number {
  const index = order.indexOf(release);
  return index === -1 ? order.length : index;
}

function matchText(match: RequestMatchView): string {
  return `${match.kind} ${match.name}: ${match.value}`;
}
