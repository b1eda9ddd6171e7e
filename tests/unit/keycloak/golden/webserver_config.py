# Airflow login settings of cairn (FAB auth manager with Keycloak OAuth), rendered from
# /etc/cairn/appliance.json by `cairnctl apply`. Do not edit: the next apply overwrites it.
# The client secret comes from the environment: AIRFLOW_KEYCLOAK_CLIENT_SECRET.
import os

from flask import redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.manager import AUTH_OAUTH
from airflow.providers.fab.auth_manager.security_manager.override import FabAirflowSecurityManagerOverride
from airflow.providers.fab.auth_manager.views.auth_oauth import CustomAuthOAuthView

AUTH_TYPE = AUTH_OAUTH
AUTH_USER_REGISTRATION = True
# Users without one of cairn's roles get no permissions.
AUTH_USER_REGISTRATION_ROLE = "Public"
AUTH_ROLES_SYNC_AT_LOGIN = True
AUTH_ROLES_MAPPING = {"admin": ["Admin"], "operator": ["Op"], "viewer": ["Viewer"]}
WTF_CSRF_ENABLED = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PREFERRED_URL_SCHEME = "https"
PERMANENT_SESSION_LIFETIME = 36000

OAUTH_PROVIDERS = [
    {
        "name": "keycloak",
        "icon": "fa-key",
        "token_key": "access_token",
        "remote_app": {
            "client_id": "airflow",
            "client_secret": os.environ["AIRFLOW_KEYCLOAK_CLIENT_SECRET"],
            # The browser uses the public login page; tokens and keys come over the Docker network.
            "authorize_url": "https://auth.example.com/realms/cairn/protocol/openid-connect/auth",
            "access_token_url": "http://keycloak:8080/realms/cairn/protocol/openid-connect/token",
            "jwks_uri": "http://keycloak:8080/realms/cairn/protocol/openid-connect/certs",
            "api_base_url": "http://keycloak:8080/realms/cairn/protocol/",
            "client_kwargs": {"scope": "openid email profile", "code_challenge_method": "S256"},
        },
    },
]


class CairnAuthOAuthView(CustomAuthOAuthView):
    """Sends the browser straight to Keycloak: with one provider, FAB's page of provider buttons is a second login step."""

    @expose("/login/")
    @expose("/login/<provider>")
    def login(self, provider=None):
        if provider is None:
            return redirect(url_for(".login", provider="keycloak", **request.args.to_dict()))
        return super().login(provider)


class CairnSecurityManager(FabAirflowSecurityManagerOverride):
    """Takes the user and cairn's role groups from Keycloak's userinfo endpoint."""

    authoauthview = CairnAuthOAuthView

    def get_oauth_user_info(self, provider, resp):
        if provider != "keycloak":
            return super().get_oauth_user_info(provider, resp)
        answer = self.oauth_remotes[provider].get("openid-connect/userinfo")
        answer.raise_for_status()
        claims = answer.json()
        return {
            "username": claims.get("preferred_username", ""),
            "first_name": claims.get("given_name", ""),
            "last_name": claims.get("family_name", ""),
            "email": claims.get("email", ""),
            "role_keys": [g for g in claims.get("groups", []) if g in AUTH_ROLES_MAPPING],
        }

    def _oauth_calculate_user_roles(self, userinfo):
        """The roles of the user's cairn groups; the registration role only for a user with none."""
        roles = list(self.get_roles_from_keys(userinfo.get("role_keys", [])))
        return roles or [self.find_role(AUTH_USER_REGISTRATION_ROLE)]


SECURITY_MANAGER_CLASS = CairnSecurityManager
