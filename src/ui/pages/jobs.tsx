/** Scheduled jobs per environment: schedule, last run, next run, and each job's history with its output. */
import type { ComponentChildren } from 'preact';
import type { EventRecord } from '../../api/control-plane.js';
import type { JobRunView, JobSummary } from '../../api/job-port.js';
import { ErrorNote, Muted, StateBadge } from '../components/bits.js';
import { api, isNotServed } from '../lib/api.js';
import { age, clockTime, fromNow } from '../lib/format.js';
import { useNow, useResource } from '../lib/hooks.js';
import { jobKey, jobState, runResult } from '../lib/job-view.js';

const runLimit = 10;
const isJobEvent = (event: EventRecord): boolean => event.type.startsWith('job.') || event.type === 'spec.applied';
/** A run that starts and a time that passes announce nothing while a job waits: poll for the next time. */
const pollMs = 10_000;

export function JobsPage() {
  const jobs = useResource<readonly JobSummary[] | null>(
    () => api.jobs().catch((error: unknown) => (isNotServed(error) ? null : Promise.reject(error))),
    [],
    { refreshOn: isJobEvent, pollMs: () => pollMs },
  );
  return (
    <div class="page">
      <h1>Jobs</h1>
      <ErrorNote error={jobs.error} what="the scheduled jobs" />
      {jobs.data === null && <Muted>This server runs no scheduled jobs.</Muted>}
      {jobs.data?.length === 0 && <Muted>No scheduled jobs: add `jobs:` to skiff.yaml (a job runs where its service has a release).</Muted>}
      {jobs.data?.map((job) => <JobCard key={jobKey(job)} job={job} />)}
    </div>
  );
}

function JobCard(props: { readonly job: JobSummary }) {
  const { job } = props;
  const now = useNow(1_000);
  const state = jobState(job);
  return (
    <section class="card job" data-testid={`job-${job.environment}-${job.name}`} data-job={job.name} data-environment={job.environment} data-state={state}>
      <header class="card-header">
        <h2>
          {job.name} <span class="muted">in</span> {job.environment} <StateBadge state={state} />
        </h2>
        <span class="muted small">
          runs with {job.service} · concurrency {job.concurrency}
        </span>
      </header>
      <div class="facts" data-testid="job-facts">
        <Fact label="schedule" value={<code>{job.schedule}</code>} testId="job-schedule" />
        <Fact label="timezone" value={job.timezone} testId="job-timezone" />
        <Fact
          label="last run"
          testId="job-last-run"
          value={job.lastRun ? `${runResult(job.lastRun)} · ${age(job.lastRun.finishedAt ?? job.lastRun.startedAt ?? job.lastRun.scheduledAt, now)} ago` : 'never'}
          title={job.lastRun ? clockTime(job.lastRun.scheduledAt) : undefined}
        />
        <Fact label="next run" testId="job-next-run" value={fromNow(job.nextRunAt, now)} title={job.nextRunAt ? clockTime(job.nextRunAt) : undefined} />
      </div>
      <JobRuns job={job} now={now} />
    </section>
  );
}

function Fact(props: { readonly label: string; readonly value: ComponentChildren; readonly testId: string; readonly title?: string | undefined }) {
  return (
    <div class="fact" data-testid={props.testId} title={props.title}>
      <span class="fact-label">{props.label}</span>
      <span class="fact-value">{props.value}</span>
    </div>
  );
}

function JobRuns(props: { readonly job: JobSummary; readonly now: number }) {
  const { job, now } = props;
  const mine = (event: EventRecord): boolean => isJobEvent(event) && (event.type === 'spec.applied' || (event.environment === job.environment && event.data['job'] === job.name));
  const runs = useResource(() => api.jobRuns(job.name, { environment: job.environment, limit: runLimit }), [job.name, job.environment], { refreshOn: mine });
  // The newest output is shown open: a run under way has none yet, so the one before it.
  const newestWithOutput = runs.data?.find((run) => run.output !== '')?.id;
  return (
    <>
      <ErrorNote error={runs.error} what={`the runs of ${job.name}`} />
      {runs.data?.length === 0 && <Muted>No runs yet.</Muted>}
      {runs.data && runs.data.length > 0 && (
        <table class="table job-runs" data-testid="job-runs">
          <thead>
            <tr>
              <th>run</th>
              <th>scheduled</th>
              <th>attempt</th>
              <th>release</th>
              <th>result</th>
              <th>took</th>
              <th>output</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((run) => (
              <RunRow key={run.id} run={run} now={now} open={run.id === newestWithOutput} />
            ))}
          </tbody>
        </table>
      )}
      {runs.data?.length === runLimit && <p class="muted small">The newest {runLimit}; `skiff jobs {job.name} --limit N` shows more.</p>}
    </>
  );
}

function RunRow(props: { readonly run: JobRunView; readonly now: number; readonly open: boolean }) {
  const { run, now } = props;
  const took = run.startedAt && run.finishedAt ? `${Math.max(0, (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)}s` : run.startedAt ? `${age(run.startedAt, now)}…` : '-';
  return (
    <tr data-run={run.id} data-state={run.status}>
      <td class="mono">#{run.id}</td>
      <td class="nowrap" title={clockTime(run.scheduledAt)}>
        {age(run.scheduledAt, now)} ago
      </td>
      <td class="num">{run.attempt}</td>
      <td class="mono">{run.release ?? '-'}</td>
      <td class="nowrap" data-testid="run-result">
        <StateBadge state={run.status} /> {run.exitCode !== null && run.status !== 'succeeded' && <span class="mono small">exit {run.exitCode}</span>}
        {run.reason && <div class="muted small reason">{run.reason}</div>}
      </td>
      <td class="num">{took}</td>
      <td class="run-output-cell">
        {run.output ? (
          <details class="run-output" open={props.open}>
            <summary>{lineCount(run.output)}</summary>
            <pre data-testid="run-output">{run.output}</pre>
          </details>
        ) : (
          <span class="muted small">no output</span>
        )}
      </td>
    </tr>
  );
}

function lineCount(output: string): string {
  const lines = output.split('\n').length;
  return lines === 1 ? '1 line' : `${lines} lines`;
}
