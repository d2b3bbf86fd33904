from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mesodesk.accounts"
    label = "accounts"
    verbose_name = "Accounts and clinics"
