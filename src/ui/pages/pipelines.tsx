/**
 * Pipeline runs with each stage's state, and Approve for a stage waiting for an approval. A run
 * started by a commit shows the commit (short SHA, message, author), red when a check failed.
 */
import type { PipelineRunView, PipelineStageView } from '../../api/pipeline-port.js';
import { ActionButton } from '../components/action-button.js';
import { ErrorNote, Muted, StateBadge } from '../components/bits.js';
import { api, isNotServed } from '../lib/api.js';
import { commitCheck, shortSha } from '../lib/commit-check.js';
import { age, shortDigest } from '../lib/format.js';
import { useNow, useResource } from '../lib/hooks.js';
import { approvalNeeds, approvalReaches, mayApprove } from '../lib/permissions.js';
import { useSession } from '../lib/session.js';

const runLimit = 20;

export function PipelinesPage() {
  const runs = useResource<readonly PipelineRunView[] | null>(
    () => api.pipelineRuns({ limit: runLimit }).catch((error: unknown) => (isNotServed(error) ? null : Promise.reject(error))),
    [],
    { refreshOn: (event) => event.type.startsWith('pipeline.') },
  );
  return (
    <div class="page">
      <h1>Pipelines</h1>
      <ErrorNote error={runs.error} what="the pipeline runs" />
      {runs.data === null && <Muted>This server runs no pipelines.</Muted>}
      {runs.data?.length === 0 && <Muted>No pipeline runs yet: start one with `skiff pipeline run SERVICE`.</Muted>}
      {runs.data?.map((run) => <RunCard key={run.id} run={run} />)}
    </div>
  );
}

function RunCard(props: { readonly run: PipelineRunView }) {
  const { run } = props;
  const now = useNow(5_000);
  return (
    <section class="card run" data-run={run.id} data-state={run.state}>
      <header class="card-header">
        <h2>
          #{run.id} {run.pipeline} <span class="muted">for</span> {run.service} <StateBadge state={run.state} />
        </h2>
        <span class="muted small">
          by {run.author} · {age(run.createdAt, now)} ago{run.artifact ? ` · ${shortDigest(run.artifact)}` : ''}
        </span>
      </header>
      {run.commit && <RunCommitLine run={run} commit={run.commit} />}
      {run.reason && <p class="error-note">{run.reason}</p>}
      <ol class="stages">
        {run.stages.map((stage) => (
          <StageItem key={stage.name} run={run} stage={stage} />
        ))}
      </ol>
    </section>
  );
}

function RunCommitLine(props: { readonly run: PipelineRunView; readonly commit: NonNullable<PipelineRunView['commit']> }) {
  const { commit } = props;
  const check = commitCheck(props.run);
  const failedCheck = props.run.stages.find((stage) => stage.kind === 'check' && stage.state === 'failed');
  return (
    <p class={`run-commit commit-${check}`} data-testid="run-commit" data-check={check} title={commit.sha}>
      <span class="mono">{shortSha(commit.sha)}</span> <span class="run-commit-subject">{commit.subject}</span>{' '}
      <span class="run-commit-author">by {commit.author}</span>
      {failedCheck && <span class="small"> · check {failedCheck.name} failed</span>}
    </p>
  );
}

function StageItem(props: { readonly run: PipelineRunView; readonly stage: PipelineStageView }) {
  const { run, stage } = props;
  const session = useSession();
  const waitsForApproval = stage.kind === 'approval' && stage.state === 'waiting';
  const offerApproval = waitsForApproval && session !== undefined && mayApprove(session, run, stage);
  // An approval lets the next stages run: confirm when one of them changes production.
  const later = run.stages.slice(run.stages.indexOf(stage) + 1);
  const reaches = approvalReaches(run, stage);
  return (
    <li class={`stage stage-${stage.state}`} data-stage={stage.name} data-state={stage.state}>
      <div class="stage-head">
        <span class="stage-name">{stage.name}</span>
        <span class="muted small">{stage.kind}</span>
        <StateBadge state={stage.state} />
      </div>
      {stage.approvedBy && <div class="muted small">approved by {stage.approvedBy}</div>}
      {waitsForApproval && !offerApproval && (
        <div class="muted small" data-testid="approval-needs">
          waits for {approvalNeeds(run, stage)}
        </div>
      )}
      {offerApproval && (
        <ActionButton
          label="Approve"
          busyLabel="Approving…"
          kind="primary"
          testId={`approve-${run.id}-${stage.name}`}
          environment={reaches.includes('production') ? 'production' : (reaches[0] ?? '')}
          confirmText={`Approve ${stage.name} of run #${run.id}: the run goes on to ${later.map((s) => s.name).join(', ') || 'its end'}.`}
          run={() => api.approveStage({ id: run.id, stage: stage.name })}
        />
      )}
      {stage.log.length > 0 && (
        <details class="stage-log">
          <summary>log</summary>
          <pre>{stage.log.join('\n')}</pre>
        </details>
      )}
    </li>
  );
}
