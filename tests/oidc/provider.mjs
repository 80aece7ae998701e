// A real OpenID Connect provider for the desk's single sign-on tests: panva's oidc-provider,
// configured (not written) here. Started by tests/oidc/provider.py; listens on 127.0.0.1 on a
// free port and prints {"port": N} on its first line of output.
//
// Environment: ISSUER (the address the tests' proxy answers on, see tests/oidc/proxy.py),
// CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, POST_LOGOUT_URI, JWKS (the private signing keys, so
// the tests can sign an expired token with them), ACCOUNTS (JSON: sub → claims).
import http from 'node:http';

import Provider from 'oidc-provider';

const env = process.env;
const accounts = JSON.parse(env.ACCOUNTS);
const SCOPE = 'openid profile email groups';

const configuration = {
  clients: [{
    client_id: env.CLIENT_ID,
    client_secret: env.CLIENT_SECRET,
    redirect_uris: [env.REDIRECT_URI],
    post_logout_redirect_uris: [env.POST_LOGOUT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: JSON.parse(env.JWKS),
  // PKCE for every client, not only public ones: a desk that does not send it is refused.
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
  },
  // Claims in the ID token itself, as Entra ID, ADFS and Keycloak put groups and roles there.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    if (!Object.hasOwn(accounts, sub)) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...accounts[sub] }) };
  },
  // The desk is a first-party client: no consent screen (as an organisation's provider does
  // for its own applications), the login screen stays.
  async loadExistingGrant(ctx) {
    const { provider, client, session } = ctx.oidc;
    const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(SCOPE);
    await grant.save();
    return grant;
  },
  cookies: { keys: ['zaadje-tests-only'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
};

const provider = new Provider(env.ISSUER, configuration);
// Behind the tests' proxy: its X-Forwarded-* headers name the address the browser used.
provider.proxy = true;
const server = http.createServer(provider.callback());
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
