import { ProfileEditor } from './profile-editor';

export { validateUri } from './profile-editor';

/** The "Add a connection" editor at the top of the connections page. */
export function AddConnectionForm() {
  return <ProfileEditor mode={{ kind: 'new' }} />;
}
