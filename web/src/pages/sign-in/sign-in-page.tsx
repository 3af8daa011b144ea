import { PageTitle } from '../../components/page-title';

export function SignInPage() {
  return <PageTitle title="Sign in">Sign in</PageTitle>;
}
