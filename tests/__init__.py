import warnings

# eventlet warns on its first import; keep the test output clean and make
# the import work under -W error.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
