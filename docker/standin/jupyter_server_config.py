# Stand-in for docker-stacks' /etc/jupyter/jupyter_server_config.py (the
# parts that matter here): listen on all interfaces of the container, port
# 8888, no browser.
c = get_config()  # noqa: F821
c.ServerApp.ip = "0.0.0.0"
c.ServerApp.port = 8888
c.ServerApp.open_browser = False
c.FileContentsManager.delete_to_trash = False
