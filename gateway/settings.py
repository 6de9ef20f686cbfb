"""Settings of the gateway process (web chat, APIs, later the console), from BATON_* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from analytics.settings import AnalyticsSettings
from baton import paths
from connectors.rasa_channels.settings import RasaChannelSettings
from connectors.settings import SlackSettings, TelegramSettings
from handoff.settings import HandoffSettings
from retraining.settings import ReviewSettings


class RateLimitSettings(BaseSettings):
    """Rate limits (BATON_RATE_LIMIT_* variables), in the ``limits`` string syntax
    ("20/minute;200/hour": every part must hold); moving windows, in Redis when the gateway
    has BATON_REDIS_URL (shared by replicas), in memory otherwise."""

    model_config = SettingsConfigDict(
        env_prefix="BATON_RATE_LIMIT_", env_file=".env", extra="ignore"
    )

    # false: no rate limits at all (the sign-in throttle stays on)
    enabled: bool = True
    # new web chat conversations per client address
    conversations_per_address: str = "20/minute;200/hour"
    # customer messages (REST and websocket frames) per client address
    messages_per_address: str = "60/minute;1000/hour"
    # customer messages per conversation
    messages_per_conversation: str = "30/minute;300/hour"
    # web chat websockets opened per client address
    sockets_per_address: str = "60/minute;600/hour"
    # web chat websockets opened per conversation
    sockets_per_conversation: str = "20/minute;200/hour"
    # console sign-in attempts per client address, right or wrong
    signin_per_address: str = "60/minute;600/hour"
    # failed sign-ins per client address, all users together (then no sign-in from there)
    signin_failures_per_address: str = "50/15 minutes"
    # failed sign-ins of one user from one address before each further attempt waits
    signin_free_failures: int = Field(default=5, ge=1)
    # the first wait of a (user, address) pair; it doubles with each further failure
    signin_first_delay_seconds: float = Field(default=1.0, gt=0)
    # the longest wait of a (user, address) pair
    signin_max_delay_seconds: float = Field(default=900.0, gt=0)


class GatewaySettings(BaseSettings):
    """Read once by ``load_settings``; tests build their own instances."""

    model_config = SettingsConfigDict(env_prefix="BATON_", env_file=".env", extra="ignore")

    # the kind of deployment: "production" refuses to start with unsafe settings (each
    # refusal says what to set; docs/production.md lists them)
    env: Literal["development", "test", "production"] = "development"
    # the https address agents and customers reach the gateway at (behind its TLS proxy),
    # e.g. https://chat.example.com; production needs it
    public_url: HttpUrl | None = None
    # proxies (IP addresses or CIDR networks) whose X-Forwarded-For names the client: the
    # right-most address not in this list is the client; from any other peer the header is
    # ignored (rate limits and the sign-in throttle count the socket's peer)
    trusted_proxies: list[str] = []
    # Host header values the gateway answers to ("*": any); production needs the real names
    allowed_hosts: list[str] = ["*"]
    # /docs and /openapi.json (the API's description); production turns them off
    api_docs: bool = True
    # the token of Rasa's HTTP API (`baton run` starts Rasa with --auth-token and makes one
    # per run when unset); the gateway sends it on every call
    rasa_token: SecretStr | None = None
    # the assistant folder (a Rasa project with its baton.yml); default: the bundled demo
    project_dir: Path = Field(default_factory=paths.project_dir)
    # the address the gateway listens on (web chat, APIs, console)
    host: str = "127.0.0.1"
    # the gateway's port
    port: int = 8000
    # several gateways on this machine listen on the same port (SO_REUSEPORT: the kernel
    # spreads new connections over them and clients' addresses stay theirs); `baton run`
    # sets it when it starts more than one (BATON_GATEWAY_REPLICAS)
    share_port: bool = False
    # a port of this gateway alone besides the shared one, for its own health checks
    own_port: int | None = Field(default=None, gt=0, lt=65536)
    # the conversation record (SQLAlchemy URL); postgresql://user@host/db for PostgreSQL;
    # default: an SQLite file in the assistant's own var/ place (never another assistant's)
    database_url: str = Field(default_factory=lambda: f"sqlite:///{paths.VAR / 'baton.db'}")
    # when set, events to websockets travel through a Redis stream (several gateway replicas)
    redis_url: str | None = None
    # where the gateway finds the Rasa server (`baton run` sets it)
    rasa_url: HttpUrl = HttpUrl("http://127.0.0.1:5005")
    # several Rasa servers of one assistant (replicas sharing a PostgreSQL or Redis tracker
    # store and a Redis lock store), e.g. '["http://10.0.0.5:5005","http://10.0.0.6:5005"]';
    # when set, rasa_url is not used. Each conversation keeps its replica; a call that cannot
    # reach one goes to the next
    rasa_urls: list[HttpUrl] = Field(default_factory=list)
    # how long one bot turn may take before the customer is told the bot is having trouble
    rasa_timeout_seconds: float = Field(default=15.0, gt=0)
    # turns this gateway sends one Rasa replica at once, and how many more may wait for one;
    # beyond that a customer is told at once that it is busy (their message is kept) instead
    # of waiting into the timeout (0: no limit)
    rasa_concurrency: int = Field(default=4, ge=0)
    rasa_queue: int = Field(default=100, ge=0)
    # /health/ready: Rasa counts as up while its latest answer (to a turn, or to the probe
    # below) is at most this many seconds old
    health_rasa_window_seconds: float = Field(default=30.0, gt=0)
    # how often the gateway asks Rasa's /status in the background (each probe waits at most
    # 2 s); the health routes read the latest answer and never wait for Rasa
    health_probe_seconds: float = Field(default=5.0, gt=0)
    # the longest customer message accepted (longer: 413 message_too_long)
    max_message_chars: int = Field(default=4000, gt=0)
    # origins allowed to open the web chat websocket; "*" allows any (the token authorises)
    webchat_allowed_origins: list[str] = ["*"]
    # the agent console: how long a sign-in lasts
    console_session_hours: float = Field(default=12, gt=0)
    # session cookies only over HTTPS (browsers treat http://localhost and 127.0.0.1 as secure)
    console_cookie_secure: bool = True
    # origins besides the console's own that may use its API with a session or open its websocket
    console_allowed_origins: list[str] = []
    # the team's canned responses (YAML); default: the assistant folder's canned.yml, if any
    console_canned_file: Path | None = None
    # AI assist: suggestions to agents while they own a conversation (loads MiniLM and the index)
    assist_enabled: bool = True
    # bring the database schema up to date when the gateway starts
    migrate_on_start: bool = True
    # the gateway's log level (DEBUG, INFO, WARNING, …)
    log_level: str = "INFO"
    # Rasa's endpoints file, relative to the assistant folder, as `baton run` gives it to Rasa:
    # where customer export and erase find Rasa's tracker store (default: baton run's own)
    rasa_endpoints: str | None = None
    # erase conversations nobody has written in for this many days (not while queued or
    # with an agent), with an erasure record per run (docs/privacy.md); unset: kept forever
    retention_days: int | None = Field(default=None, gt=0)
    # how often the gateway looks for conversations past retention (one replica does it)
    retention_interval_minutes: float = Field(default=60.0, gt=0)
    # routing, triggers and hours of the human team (BATON_HANDOFF_* variables)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)
    # supervisors' figures and the end-of-conversation survey (BATON_ANALYTICS_* variables)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    # the Telegram channel (BATON_TELEGRAM_* variables); unset: not mounted
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    # the Slack channel (BATON_SLACK_* variables); unset: not mounted
    slack: SlackSettings = Field(default_factory=SlackSettings)
    # Rasa's REST and socket.io channel protocols (BATON_RASA_CHANNELS_* variables); on by default
    rasa_channels: RasaChannelSettings = Field(default_factory=RasaChannelSettings)
    # rate limits per client address and per conversation (BATON_RATE_LIMIT_* variables)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    # knowledge owners' review and retraining (BATON_REVIEW_* variables)
    review: ReviewSettings = Field(default_factory=ReviewSettings)


def load_settings() -> GatewaySettings:
    return GatewaySettings()
