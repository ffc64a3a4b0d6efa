from . import test_cycle
from . import test_policy
from . import test_access
from . import test_french
from . import test_instalments
from . import test_rates
