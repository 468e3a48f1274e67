"""``panther-events serve``: the read-only dashboard over the event store, served by uvicorn."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..exceptions import MissingExtraError, StoreError
from ._app import DbOption, app, get_state

if TYPE_CHECKING:
    import uvicorn

__all__ = ["Dashboard", "start_dashboard"]

#: Exit status when the dashboard cannot start (bad options, missing store or extra).
EXIT_INVALID = 2
DEFAULT_PORT = 8765


def _server(
    db: Path, host: str, port: int, token: str | None
) -> tuple[uvicorn.Server, socket.socket]:
    """Build the server and bind its socket (so the URL is known, even for port 0).

    Raises:
        MissingExtraError: the ``web`` extra is not installed.
        StoreError: ``db`` is not an event store.
        ValueError: the address needs a token and none was given.
        OSError: the address cannot be bound.
    """
    from ..web._security import is_loopback  # noqa: PLC0415 - the web extra is optional

    if not is_loopback(host) and not token:
        raise ValueError(
            f"--host {host!r} is reachable from other machines: give --token SECRET too "
            "(every request must then carry it), or keep the default --host 127.0.0.1"
        )
    try:
        import uvicorn  # noqa: PLC0415 - optional
    except ImportError as exc:
        raise MissingExtraError("the dashboard", "uvicorn", "web") from exc
    from ..web import create_app  # noqa: PLC0415 - optional

    application = create_app(db, token=token or None)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        # Listening now: a client given the URL before uvicorn starts waits in the backlog
        # instead of being refused.
        sock.listen(2048)
    except OSError:
        sock.close()
        raise

    class _Server(uvicorn.Server):
        """Ends the live streams first when asked to exit (Ctrl-C, SIGTERM, ``stop()``)."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            application.state.stopping.set()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        application,
        log_level="warning",
        # Live streams end on their own when the server stops; past this, they are cut.
        timeout_graceful_shutdown=2,
        lifespan="on",
    )
    return _Server(config), sock


def _url(sock: socket.socket, token: str | None) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


class Dashboard:
    """A dashboard served from a background thread (for ``run --serve``).

    Attributes:
        url: where it is served.
    """

    def __init__(self, server: uvicorn.Server, sock: socket.socket, url: str) -> None:
        self.url = url
        self._server = server
        self._sock = sock
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="panther-dashboard", daemon=True
        )
        self._thread.start()

    def finish(self) -> None:
        """After a run: keep serving until Ctrl-C when a person is watching (stdout is a
        terminal), else stop at once."""
        if sys.stdout.isatty():
            typer.echo(f"dashboard still at {self.url} (Ctrl-C to stop)", err=True)
            with contextlib.suppress(KeyboardInterrupt):
                while self._thread.is_alive():
                    self._thread.join(timeout=0.5)
        self.stop()

    def stop(self) -> None:
        """Stop serving and wait for the server thread to end."""
        self._server.handle_exit(signal.SIGTERM, None)
        self._thread.join(timeout=5)
        self._sock.close()


def start_dashboard(db: Path, host: str = "127.0.0.1", port: int = 0) -> Dashboard:
    """Serve the dashboard over ``db`` from a background thread and return it.

    Raises:
        typer.Exit: (status 2) with one line on stderr when it cannot start.
    """
    with _start_errors(db, host, port):
        server, sock = _server(db, host, port, None)
    dashboard = Dashboard(server, sock, _url(sock, None))
    typer.echo(f"dashboard: {dashboard.url}", err=True)
    return dashboard


@contextlib.contextmanager
def _start_errors(db: Path, host: str, port: int) -> Iterator[None]:
    """One line on stderr and exit status 2 for each way the dashboard can fail to start."""
    try:
        yield
        return
    except StoreError as exc:
        message = f"cannot serve {str(db)!r}: {exc}"
    except (MissingExtraError, ValueError) as exc:
        message = str(exc)
    except OSError as exc:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        message = (
            f"cannot listen on {where}: {exc.strerror or exc}; choose another --host or "
            "--port (--port 0 picks a free one)"
        )
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_INVALID)


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    db: DbOption = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; others than loopback need --token.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")
    ] = DEFAULT_PORT,
    token: Annotated[
        str | None,
        typer.Option("--token", help="Secret every request must carry (required off loopback)."),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the dashboard in the default browser.")
    ] = False,
) -> None:
    """Serve the read-only dashboard: runs, live run pages, entities and comparisons."""
    state = get_state(ctx, db=db)
    with _start_errors(state.db, host, port):
        server, sock = _server(state.db, host, port, token)
    url = _url(sock, token)
    try:
        # From the URL on, a Ctrl-C is this command's normal end, however soon it comes.
        typer.echo(f"panther-events dashboard for {state.db}: {url}  (Ctrl-C to stop)")
        if open_browser:
            threading.Timer(0.5, _open, args=(url,)).start()
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it handled: stopping is this command's normal end
    finally:
        sock.close()


def _open(url: str) -> Any:
    return webbrowser.open(url)
