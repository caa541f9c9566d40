"""The process entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""
from forum import create_app
from forum.extensions import socketio

app = create_app()

if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=5000, allow_unsafe_werkzeug=True)
