/** The header's corner: who is signed in, with which role and where, and Sign out. */
import { useSession, useSignOut } from '../lib/session.js';

export function Who() {
  const session = useSession();
  const signOut = useSignOut();
  if (!session) return null;
  const where = session.environments === null ? '' : ` in ${session.environments.join(', ') || 'no environment'}`;
  return (
    <span class="who">
      <span data-testid="who" data-role={session.role} title={`may ${session.role === 'viewer' ? 'only look' : 'act'}${where}`}>
        <span class="who-name">{session.name}</span> <span class={`badge role-${session.role}`}>{session.role}</span>
        {where && <span class="who-where">{where}</span>}
      </span>
      <button type="button" class="button link" data-testid="sign-out" onClick={signOut}>
        Sign out
      </button>
    </span>
  );
}
