"""The planner's parts, one concept per module; :mod:`connector.planner` puts them together.

* :mod:`~connector.dunning.items`     what a message claims: claim lines, credits, their net
* :mod:`~connector.dunning.history`   what each item went through: steps taken, with dates
* :mod:`~connector.dunning.state`     everything the planner reads about one customer
* :mod:`~connector.dunning.actions`   what the planner decides: actions, blocks, the plan
* :mod:`~connector.dunning.reach`     which channel can reach the customer for a step
* :mod:`~connector.dunning.promises`  promises to pay: what they hold, which are broken
* :mod:`~connector.dunning.steps`     which step is next, for which items, and when

Everything here is pure: model objects in, model objects out.
"""
