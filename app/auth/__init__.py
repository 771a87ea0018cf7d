"""Staff accounts: login, logout, user management, access decorators."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

