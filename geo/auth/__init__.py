"""Sign-in machinery that knows no layer and no Streamlit: password hashing (``passwords``) and
the throttling of failed sign-ins (``throttle``). Accounts themselves live in ``layers.accounts``."""
