# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class IrModuleModule(models.Model):
    """French added to a database after the add-on: the default policy's steps get their
    French labels then, as they do when French is there at installation (a step's label is
    data made by code, which the module's PO file does not reach)."""

    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False):
        super()._load_module_terms(modules, langs, overwrite=overwrite)
        if "account_relance" in modules and "fr_FR" in langs:
            policies = self.env["relance.policy"].sudo().with_context(active_test=False)
            policies.search([])._label_steps_in_french()
