# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Relance: dunning of unpaid customer invoices",
    "summary": "Reminders, phone calls, formal notice and escalation, "
    "planned by relance's own core, approved and sent from Odoo",
    "version": "19.0.1.3.0",
    "category": "Accounting/Accounting",
    "license": "AGPL-3",
    "author": "relance contributors",
    "website": "https://github.com/relance-project/relance",
    "depends": ["account", "mail"],
    "external_dependencies": {"python": ["relance"]},
    "data": [
        "security/relance_security.xml",
        "security/ir.model.access.csv",
        "data/relance_policy_data.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "views/relance_policy_views.xml",
        "views/relance_action_views.xml",
        "views/relance_promise_views.xml",
        "views/relance_payment_plan_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/relance_menus.xml",
    ],
    "installable": True,
}
