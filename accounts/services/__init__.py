"""Operations that change subscribers' state, one module per concern:
customers.py and accounts.py (create/modify/delete, tariffs: used by the Billing API, Dealers
API and the admin), sessions.py and devices.py (login, logout, device registration),
messages.py (messages and commands to devices)."""
